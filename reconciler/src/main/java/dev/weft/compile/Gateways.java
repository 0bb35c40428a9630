package dev.weft.compile;

import dev.weft.model.Host;
import dev.weft.model.Model;
import dev.weft.model.NatGateway;
import dev.weft.model.PublicIPAddress;
import dev.weft.model.ResourceId;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Which Gateway host serves each NAT gateway (and each load balancer's public frontend, as its MUX): among the hosts with {@code roles: [Gateway]} and an uplink on
 * the logical network of the NAT gateway's addresses, a healthy one. A NAT gateway stays where it is while
 * that host is healthy (so its translations live on); otherwise it goes to the healthy candidate ranked first
 * by a hash of the gateway's and the host's names (rendezvous hashing: NAT gateways spread over Gateway
 * hosts, and a host's failure moves only its own). With no healthy candidate, the first by that rank.
 */
public final class Gateways {

    private Gateways() {
    }

    /** The logical network a NAT gateway's addresses are on, if any resolves. */
    static Optional<String> logicalNetwork(Model model, NatGateway gateway) {
        return gateway.publicIPAddresses().stream().map(name -> model.publicIp(gateway.namespace(), name)).flatMap(Optional::stream)
                .map(PublicIPAddress::logicalNetwork).findFirst();
    }

    /** The hosts that may serve {@code gateway}, ranked for it. */
    static List<Host> candidates(Model model, NatGateway gateway) {
        return candidates(model, gateway.namespace() + "/" + gateway.name(), logicalNetwork(model, gateway));
    }

    /** The logical network of a load balancer's public frontend, if it has one that resolves. */
    static Optional<String> logicalNetwork(Model model, dev.weft.model.LoadBalancer lb) {
        return lb.frontends().stream().map(dev.weft.model.LoadBalancer.Frontend::publicIPAddress).flatMap(Optional::stream)
                .map(name -> model.publicIp(lb.namespace(), name)).flatMap(Optional::stream).map(PublicIPAddress::logicalNetwork).findFirst();
    }

    private static List<Host> candidates(Model model, String key, Optional<String> network) {
        return model.hosts().values().stream()
                .filter(h -> h.gateway() && network.isPresent() && h.uplink().filter(u -> u.logicalNetwork().equals(network.get())).isPresent())
                .sorted(Comparator.comparingLong((Host h) -> rank(key, h.name())).reversed().thenComparing(Host::name))
                .toList();
    }

    private static long rank(String gateway, String host) {
        long h = 0xcbf29ce484222325L;
        for (char c : (gateway + "\0" + host).toCharArray()) {
            h = (h ^ c) * 0x100000001b3L;
        }
        return h ^ (h >>> 31);
    }

    /**
     * The serving host of every NAT gateway that has candidates.
     *
     * @param healthy  whether a host's agent is reachable and programmed
     * @param previous the assignment so far (empty at first)
     */
    public static Map<ResourceId, String> assign(Model model, Predicate<String> healthy, Map<ResourceId, String> previous) {
        Map<ResourceId, String> assigned = new TreeMap<>();
        for (NatGateway gateway : model.natGateways().values()) {
            assign(gateway.id(), candidates(model, gateway), healthy, previous, assigned);
        }
        for (dev.weft.model.LoadBalancer lb : model.loadBalancers().values()) { // a public frontend's MUX
            Optional<String> network = logicalNetwork(model, lb);
            if (network.isPresent()) {
                assign(lb.id(), candidates(model, lb.namespace() + "/" + lb.name(), network), healthy, previous, assigned);
            }
        }
        return assigned;
    }

    private static void assign(ResourceId id, List<Host> candidates, Predicate<String> healthy, Map<ResourceId, String> previous,
                               Map<ResourceId, String> assigned) {
        if (candidates.isEmpty()) {
            return;
        }
        String current = previous.get(id);
        if (current != null && healthy.test(current) && candidates.stream().anyMatch(h -> h.name().equals(current))) {
            assigned.put(id, current);
            return;
        }
        assigned.put(id, candidates.stream().map(Host::name).filter(healthy).findFirst().orElse(candidates.getFirst().name()));
    }
}

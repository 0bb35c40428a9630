package dev.weft.compile;

import dev.weft.contract.HostObject;
import dev.weft.contract.LoadBalancerSpec;
import dev.weft.contract.NatGatewaySpec;
import dev.weft.contract.PublicIpSpec;
import dev.weft.contract.UplinkSpec;
import dev.weft.model.Host;
import dev.weft.model.LogicalNetwork;
import dev.weft.model.Model;
import dev.weft.model.NatGateway;
import dev.weft.model.NetworkInterface;
import dev.weft.model.PublicIPAddress;
import dev.weft.model.ResourceId;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A host's objects beyond its ports and networks: its Uplink, a PublicIp for each of its NICs that has one, and a NatGateway
 * for each NAT gateway its NICs' subnets leave through or that it serves (with the serving host's underlay
 * address, so the others know where to send, and the served subnets, so the server knows what to translate), and
 * a LoadBalancer for each load balancer with a frontend in a network of its NICs (their host picks the backend).
 */
final class NorthSouth {

    private NorthSouth() {
    }

    /**
     * @param networks receives the virtual networks a served NAT gateway needs on this host (their Networks and
     *                 Mappings: to accept the subnets' traffic and to send replies to the VMs' hosts)
     */
    static List<HostObject> objects(Model model, String hostName, List<NetworkInterface> nics, Live live,
                                    Set<ResourceId> networks) {
        List<HostObject> objects = new ArrayList<>();
        Map<ResourceId, String> natHosts = live.natHosts();
        Host host = model.hosts().get(hostName);
        host.uplink().ifPresent(u -> {
            LogicalNetwork l = model.logicalNetworks().get(u.logicalNetwork());
            if (l != null) {
                objects.add(new UplinkSpec(l.name(), u.interfaceName(), l.addressPrefix(), l.defaultGateway()).toObject());
            }
        });
        Set<ResourceId> gateways = new TreeSet<>();
        for (NetworkInterface nic : nics) {
            nic.publicIPAddress().flatMap(name -> model.publicIp(nic.namespace(), name)).ifPresent(p ->
                    objects.add(new PublicIpSpec(p.namespace(), p.name(), nic.namespace() + "/" + nic.name(), p.ipAddress()).toObject()));
            VirtualNetwork network = model.networks().get(nic.networkId());
            network.subnet(nic.subnet()).flatMap(Subnet::natGateway)
                    .ifPresent(g -> gateways.add(new ResourceId(dev.weft.model.Kind.NatGateway, nic.namespace(), g)));
        }
        natHosts.forEach((gateway, server) -> {
            if (server.equals(hostName)) {
                gateways.add(gateway);
            }
        });
        for (ResourceId id : gateways) {
            NatGateway gateway = model.natGateways().get(id);
            String server = natHosts.get(id);
            if (gateway == null || server == null) {
                continue; // no Gateway host can serve it: validation refuses subnets that use it
            }
            List<NatGatewaySpec.Source> sources = new ArrayList<>();
            for (VirtualNetwork network : model.networks().values()) {
                if (!network.namespace().equals(id.namespace())) {
                    continue;
                }
                for (Subnet subnet : network.subnets()) {
                    if (subnet.natGateway().filter(id.name()::equals).isPresent()) {
                        sources.add(new NatGatewaySpec.Source(network.vni(), subnet.addressPrefix()));
                        if (server.equals(hostName)) {
                            networks.add(network.id());
                        }
                    }
                }
            }
            List<dev.weft.net.Ipv4> addresses = gateway.publicIPAddresses().stream().map(name -> model.publicIp(id.namespace(), name))
                    .flatMap(Optional::stream).map(PublicIPAddress::ipAddress).toList();
            objects.add(new NatGatewaySpec(id.namespace(), id.name(), model.hosts().get(server).underlayAddress(), addresses,
                    gateway.idleTimeoutMinutes(), sources).toObject());
        }
        Set<ResourceId> clientNetworks = new TreeSet<>();
        nics.forEach(nic -> clientNetworks.add(nic.networkId()));
        for (dev.weft.model.LoadBalancer lb : model.loadBalancers().values()) {
            List<LoadBalancerSpec.Rule> rules = new ArrayList<>();
            String mux = natHosts.get(lb.id());
            for (dev.weft.model.LoadBalancer.Rule r : balanced(lb)) {
                dev.weft.model.LoadBalancer.Frontend f = lb.frontend(r.frontend()).orElseThrow();
                List<String> pool = lb.pool(r.pool()).map(dev.weft.model.LoadBalancer.Pool::networkInterfaces).orElse(List.of(r.pool()));
                VirtualNetwork network = f.virtualNetwork().isPresent()
                        ? model.networks().get(new ResourceId(dev.weft.model.Kind.VirtualNetwork, lb.namespace(), f.virtualNetwork().get()))
                        : model.networks().get(model.interfaces().get(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), pool.getFirst()))
                        .networkId()); // a public frontend: its backends' network
                boolean muxHere = f.publicIPAddress().isPresent() && hostName.equals(mux);
                if (f.publicIPAddress().isPresent() && mux == null) {
                    continue; // no Gateway host can serve it: validation refuses it
                }
                if (!clientNetworks.contains(network.id()) && !muxHere) {
                    continue;
                }
                if (muxHere) {
                    networks.add(network.id()); // the MUX encapsulates to the backends' hosts and takes their replies
                }
                dev.weft.net.Ipv4 frontend = f.privateIPAddress().orElseGet(() -> model.publicIp(lb.namespace(), f.publicIPAddress().get())
                        .orElseThrow().ipAddress());
                java.util.Optional<dev.weft.net.Ipv4> muxAddress = f.publicIPAddress().map(p -> model.hosts().get(mux).underlayAddress());
                List<LoadBalancerSpec.Backend> backends = pool.stream()
                        .map(n -> model.interfaces().get(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), n)))
                        .map(n -> new LoadBalancerSpec.Backend(n.namespace() + "/" + n.name(), n.ipAddress(),
                                live.health().getOrDefault(Live.backend(lb.namespace() + "/" + lb.name() + "/" + r.name(), n.namespace() + "/" + n.name()), true)))
                        .toList();
                java.util.Optional<LoadBalancerSpec.Probe> probe = r.probe().flatMap(name -> lb.probes().stream().filter(p -> p.name().equals(name)).findFirst())
                        .map(p -> new LoadBalancerSpec.Probe(LoadBalancerSpec.ProbeProtocol.valueOf(p.protocol()), p.port(), p.requestPath().orElse("/"),
                                p.intervalInSeconds(), p.numberOfProbes()));
                rules.add(new LoadBalancerSpec.Rule(r.name(), network.vni(), frontend,
                        LoadBalancerSpec.Protocol.valueOf(r.protocol()), r.frontendPort(), r.backendPort(), r.sourceIp(), r.idleTimeoutInMinutes(), backends, probe, muxAddress,
                        r.floatingIp()));
            }
            if (!rules.isEmpty()) {
                objects.add(new LoadBalancerSpec(lb.namespace(), lb.name(), rules).toObject());
            }
        }
        return objects;
    }

    /**
     * A load balancer's rules as the hosts program them: its load-balancing rules, and each inbound NAT rule as a
     * rule whose pool is its one interface (the rule's {@code pool} names that interface; no probe, by 5-tuple).
     */
    static List<dev.weft.model.LoadBalancer.Rule> balanced(dev.weft.model.LoadBalancer lb) {
        List<dev.weft.model.LoadBalancer.Rule> rules = new ArrayList<>(lb.rules());
        for (dev.weft.model.LoadBalancer.InboundNatRule n : lb.inboundNatRules()) {
            rules.add(new dev.weft.model.LoadBalancer.Rule(n.name(), n.frontend(), n.backendNetworkInterface(), Optional.empty(), n.protocol(),
                    n.frontendPort(), n.backendPort(), false, false, 4));
        }
        return rules;
    }
}

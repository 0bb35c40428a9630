package dev.weft.compile;

import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.MappingSpec;
import dev.weft.contract.NetworkSpec;
import dev.weft.contract.PortSpec;
import dev.weft.model.Host;
import dev.weft.model.Model;
import dev.weft.model.ModelDiff;
import dev.weft.model.NetworkInterface;
import dev.weft.model.NetworkSecurityGroup;
import dev.weft.model.ResourceId;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import java.util.Collections;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Compiles a model into per-host programming ({@link Compiled}). {@link #compile} builds everything;
 * {@link #update} rebuilds only the network and host units a model change touches, reusing every other
 * unit of the previous result, so a one-NIC change costs one network and its hosts, not the world.
 * Output is deterministic: the same model gives the same objects, byte for byte.
 */
public final class Compiler {

    private Compiler() {
    }

    /** Everything, with NAT gateways on their first-ranked Gateway hosts (all taken as healthy). */
    public static Compiled compile(Model model) {
        return compile(model, new Live(Gateways.assign(model, host -> true, Map.of()), Map.of()));
    }

    /** Everything, with the live state {@code live} (NAT gateways' hosts, backends' health). */
    public static Compiled compile(Model model, Live live) {
        Map<ResourceId, List<NetworkInterface>> nicsByNetwork = new HashMap<>();
        Map<String, List<NetworkInterface>> nicsByHost = new HashMap<>();
        for (NetworkInterface nic : model.interfaces().values()) {
            nicsByNetwork.computeIfAbsent(nic.networkId(), k -> new ArrayList<>()).add(nic);
            nicsByHost.computeIfAbsent(nic.host(), k -> new ArrayList<>()).add(nic);
        }
        // Units are independent of each other: build them in parallel.
        Map<ResourceId, NetworkUnit> networks = model.networks().values().parallelStream()
                .map(network -> networkUnit(model, network, nicsByNetwork.getOrDefault(network.id(), List.of())))
                .collect(Collectors.toMap(NetworkUnit::id, unit -> unit));
        NavigableMap<String, HostUnit> hosts = model.hosts().keySet().parallelStream()
                .map(host -> hostUnit(model, host, nicsByHost.getOrDefault(host, List.of()), live))
                .collect(Collectors.toMap(HostUnit::host, unit -> unit, (a, b) -> a, TreeMap::new));
        return new Compiled(model, Collections.unmodifiableNavigableMap(hosts), Collections.unmodifiableMap(networks), live);
    }

    /**
     * {@code compiled} with NAT gateways moved off hosts that aren't {@code healthy} (see {@link Gateways}); the same
     * instance when nothing moves.
     */
    public static Compiled reassign(Compiled compiled, java.util.function.Predicate<String> healthy) {
        Map<ResourceId, String> natHosts = Gateways.assign(compiled.model(), healthy, compiled.natHosts());
        return natHosts.equals(compiled.natHosts()) ? compiled : compile(compiled.model(), compiled.live().withNatHosts(natHosts));
    }

    /** {@code compiled} with the backends' health {@code health}; the same instance when it is what {@code compiled} has. */
    public static Compiled withHealth(Compiled compiled, Map<String, Boolean> health) {
        return health.equals(compiled.live().health()) ? compiled : compile(compiled.model(), compiled.live().withHealth(health));
    }

    /** Whether the change touches north–south programming, which is then compiled whole (such changes are rare and small). */
    private static boolean northSouth(Model before, Model after, ModelDiff diff) {
        return !before.sameNorthSouth(after)
                || diff.hosts().stream().anyMatch(c -> c.before() == null || c.after() == null || c.before().gateway() != c.after().gateway()
                        || !c.before().uplink().equals(c.after().uplink()))
                || diff.networks().stream().anyMatch(c -> natGateways(c.before()) || natGateways(c.after()))
                || (!after.loadBalancers().isEmpty() && !diff.interfaces().isEmpty()) // a backend's address or network may change
                || (!after.peerings().isEmpty() && !diff.networks().isEmpty()) // a peer's VNI or address space may change
                || !diff.routeTables().isEmpty() // the networks whose subnets use a changed table
                || !diff.taps().isEmpty() // the ports of a changed tap's sources
                || diff.interfaces().stream().anyMatch(c -> (c.before() != null && c.before().publicIPAddress().isPresent())
                        || (c.after() != null && c.after().publicIPAddress().isPresent()));
    }

    private static boolean natGateways(VirtualNetwork network) {
        return network != null && network.subnets().stream().anyMatch(s -> s.natGateway().isPresent());
    }

    /** {@code next} compiled, reusing the units of {@code previous} that the change from its model doesn't touch. */
    public static Compiled update(Compiled previous, Model next) {
        return update(previous, next, ModelDiff.between(previous.model(), next));
    }

    /** As {@link #update(Compiled, Model)}, with the model diff already computed. */
    public static Compiled update(Compiled previous, Model next, ModelDiff diff) {
        if (northSouth(previous.model(), next, diff)) {
            return compile(next, previous.live().withNatHosts(Gateways.assign(next, host -> true, previous.natHosts())));
        }
        Set<ResourceId> networksToBuild = new HashSet<>();
        Set<String> hostsToBuild = new HashSet<>();

        // Hosts: added or removed hosts get (or lose) a unit; a moved underlay address changes the
        // Mappings of every NIC on the host, so their networks are rebuilt.
        for (ModelDiff.Change<Host> change : diff.hosts()) {
            String host = change.id().name();
            hostsToBuild.add(host);
            Host before = change.before();
            Host after = change.after();
            if (before == null || after == null || !before.underlayAddress().equals(after.underlayAddress())) {
                HostUnit unit = previous.hosts().get(host);
                if (unit != null) {
                    networksToBuild.addAll(unit.networks());
                }
            }
        }
        for (ModelDiff.Change<VirtualNetwork> change : diff.networks()) {
            networksToBuild.add(change.id());
            NetworkUnit unit = previous.networks().get(change.id());
            if (unit != null) {
                hostsToBuild.addAll(unit.hosts()); // their Ports carry the network's VNI and subnets
            }
        }
        // Security groups: every host with a port the group filters, directly or through its subnet.
        for (ModelDiff.Change<NetworkSecurityGroup> change : diff.securityGroups()) {
            ResourceId group = change.id();
            for (Model m : new Model[] {previous.model(), next}) {
                for (NetworkInterface nic : m.interfaces().values()) {
                    if (filteredBy(m, nic, group)) {
                        hostsToBuild.add(nic.host());
                    }
                }
            }
        }
        // NICs: the networks and hosts a changed NIC leaves and joins.
        Map<ResourceId, NetworkInterface> changedNics = new HashMap<>();
        for (ModelDiff.Change<NetworkInterface> change : diff.interfaces()) {
            changedNics.put(change.id(), change.after());
            for (NetworkInterface nic : new NetworkInterface[] {change.before(), change.after()}) {
                if (nic != null) {
                    networksToBuild.add(nic.networkId());
                    hostsToBuild.add(nic.host());
                }
            }
        }

        Map<ResourceId, NetworkUnit> networks = new HashMap<>(previous.networks());
        for (ResourceId id : networksToBuild) {
            VirtualNetwork network = next.networks().get(id);
            if (network == null) {
                networks.remove(id);
                continue;
            }
            NetworkUnit old = previous.networks().get(id);
            NavigableMap<ResourceId, String> members = old == null ? new TreeMap<>() : new TreeMap<>(old.nicHosts());
            changedNics.forEach((nicId, nic) -> {
                members.remove(nicId);
                if (nic != null && nic.networkId().equals(id)) {
                    members.put(nicId, nic.host());
                }
            });
            networks.put(id, networkUnit(next, network, members.keySet().stream().map(next.interfaces()::get).toList()));
        }

        NavigableMap<String, HostUnit> hosts = new TreeMap<>(previous.hosts());
        for (String host : hostsToBuild) {
            if (!next.hosts().containsKey(host)) {
                hosts.remove(host);
                continue;
            }
            HostUnit old = previous.hosts().get(host);
            NavigableMap<ResourceId, ResourceId> members = old == null ? new TreeMap<>() : new TreeMap<>(old.nicNetworks());
            changedNics.forEach((nicId, nic) -> {
                members.remove(nicId);
                if (nic != null && nic.host().equals(host)) {
                    members.put(nicId, nic.networkId());
                }
            });
            hosts.put(host, hostUnit(next, host, members.keySet().stream().map(next.interfaces()::get).toList(), previous.live()));
        }
        return new Compiled(next, Collections.unmodifiableNavigableMap(hosts), Collections.unmodifiableMap(networks), previous.live());
    }

    private static boolean filteredBy(Model model, NetworkInterface nic, ResourceId group) {
        if (!nic.namespace().equals(group.namespace())) {
            return false;
        }
        if (nic.networkSecurityGroup().filter(group.name()::equals).isPresent()) {
            return true;
        }
        VirtualNetwork network = model.networks().get(nic.networkId());
        return network != null && network.subnet(nic.subnet()).flatMap(Subnet::networkSecurityGroup).filter(group.name()::equals).isPresent();
    }

    /** @param nics the network's NICs */
    private static NetworkUnit networkUnit(Model model, VirtualNetwork network, List<NetworkInterface> nics) {
        HostObject networkObject = new NetworkSpec(network.namespace(), network.name(), network.vni(),
                dev.weft.contract.Encapsulation.valueOf(network.encapsulation().name()), network.addressSpace(), network.subnets().stream()
                        .map((Subnet s) -> new NetworkSpec.Subnet(s.name(), s.addressPrefix(), routes(model, network, s))).toList(),
                model.activePeers(network.id()).stream().map(model.networks()::get)
                        .map(p -> new NetworkSpec.Peer(p.vni(), p.addressSpace(), model.takesForwarded(p.id(), network.id()))).toList()).toObject();
        NavigableMap<String, HostObject> mappings = new TreeMap<>();
        NavigableMap<ResourceId, String> nicHosts = new TreeMap<>();
        Digest digest = networkObject.digest();
        for (NetworkInterface nic : nics) {
            HostObject mapping = new MappingSpec(network.vni(), nic.ipAddress(), nic.macAddress(),
                    model.hosts().get(nic.host()).underlayAddress(),
                    dev.weft.contract.Encapsulation.valueOf(network.encapsulation().name()), nic.name()).toObject();
            mappings.put(mapping.key(), mapping);
            nicHosts.put(nic.id(), nic.host());
            digest = digest.plus(mapping.digest());
        }
        return new NetworkUnit(network.id(), networkObject, Collections.unmodifiableNavigableMap(mappings), digest,
                Collections.unmodifiableNavigableMap(nicHosts), Collections.unmodifiableNavigableSet(new TreeSet<>(nicHosts.values())));
    }

    /** The user routes of {@code subnet}'s route table, as the agents get them. */
    private static List<NetworkSpec.Route> routes(Model model, VirtualNetwork network, Subnet subnet) {
        String table = subnet.routeTable().orElse("");
        return model.routes(network, subnet).stream().map(r -> new NetworkSpec.Route(table + "/" + r.name(), r.addressPrefix(),
                NetworkSpec.NextHop.valueOf(r.nextHopType().name()), r.nextHopIpAddress())).toList();
    }

    /** The taps {@code nic} is a source of, as its port gets them. */
    private static List<PortSpec.Mirror> mirrors(Model model, NetworkInterface nic) {
        return model.tapsOf(nic.id()).stream().map(t -> new PortSpec.Mirror(t.namespace() + "/" + t.name(), t.vni(),
                PortSpec.Direction.valueOf(t.direction().name()), model.interfaces().get(new dev.weft.model.ResourceId(dev.weft.model.Kind.NetworkInterface,
                t.namespace(), t.destination())).ipAddress(), t.port())).toList();
    }

    /** @param nics the host's NICs */
    private static HostUnit hostUnit(Model model, String host, List<NetworkInterface> nics, Live live) {
        NavigableMap<String, HostObject> objects = new TreeMap<>();
        NavigableMap<ResourceId, ResourceId> nicNetworks = new TreeMap<>();
        Set<ResourceId> networks = new TreeSet<>();
        Digest digest = Digest.ZERO;
        for (HostObject object : NorthSouth.objects(model, host, nics, live, networks)) {
            objects.put(object.kind() + ":" + object.key(), object);
            digest = digest.plus(object.digest());
        }
        for (NetworkInterface nic : nics) {
            VirtualNetwork network = model.networks().get(nic.networkId());
            Subnet subnet = network.subnet(nic.subnet()).orElseThrow();
            HostObject port = new PortSpec(nic.namespace(), nic.name(), network.namespace() + "/" + network.name(), network.vni(),
                    nic.macAddress(), nic.ipAddress(), subnet.addressPrefix(), subnet.addressPrefix().gatewayAddress(),
                    SecurityLayers.of(model, nic, network, subnet),
                    new dev.weft.contract.DhcpOptions(network.domain(), network.dnsServers()), nic.enableIPForwarding(),
                    new PortSpec.Qos(nic.qosSettings().inboundMaximumMbps(), nic.qosSettings().outboundMaximumMbps(), nic.qosSettings().outboundReservedMbps(),
                            model.hosts().get(host).outboundCapacityMbps()), mirrors(model, nic), nic.udpReceiveCoalescing()).toObject();
            objects.put(port.key(), port);
            nicNetworks.put(nic.id(), nic.networkId());
            digest = digest.plus(port.digest());
        }
        networks.addAll(nicNetworks.values());
        for (ResourceId network : java.util.List.copyOf(nicNetworks.values())) {
            networks.addAll(model.activePeers(network)); // to reach a peered network's VMs: its Network and Mappings
        }
        return new HostUnit(host, Collections.unmodifiableNavigableMap(objects), Collections.unmodifiableNavigableMap(nicNetworks),
                Collections.unmodifiableNavigableSet(new TreeSet<>(networks)), digest);
    }
}

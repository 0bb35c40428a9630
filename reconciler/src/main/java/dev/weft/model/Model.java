package dev.weft.model;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The desired state of one revision: typed resources with every reference resolved and checked.
 * Immutable; resources are kept sorted by id so everything derived from a model is deterministic.
 */
public record Model(String revision, NavigableMap<String, Host> hosts, NavigableMap<ResourceId, VirtualNetwork> networks,
                    NavigableMap<ResourceId, NetworkInterface> interfaces, NavigableMap<ResourceId, NetworkSecurityGroup> securityGroups,
                    NavigableMap<String, LogicalNetwork> logicalNetworks, NavigableMap<ResourceId, PublicIPAddress> publicIps,
                    NavigableMap<ResourceId, NatGateway> natGateways, NavigableMap<ResourceId, LoadBalancer> loadBalancers,
                    NavigableMap<ResourceId, VirtualNetworkPeering> peerings, NavigableMap<ResourceId, RouteTable> routeTables,
                    NavigableMap<ResourceId, VirtualNetworkTap> taps) {

    public Model {
        hosts = Collections.unmodifiableNavigableMap(new TreeMap<>(hosts));
        networks = Collections.unmodifiableNavigableMap(new TreeMap<>(networks));
        interfaces = Collections.unmodifiableNavigableMap(new TreeMap<>(interfaces));
        securityGroups = Collections.unmodifiableNavigableMap(new TreeMap<>(securityGroups));
        logicalNetworks = Collections.unmodifiableNavigableMap(new TreeMap<>(logicalNetworks));
        publicIps = Collections.unmodifiableNavigableMap(new TreeMap<>(publicIps));
        natGateways = Collections.unmodifiableNavigableMap(new TreeMap<>(natGateways));
        loadBalancers = Collections.unmodifiableNavigableMap(new TreeMap<>(loadBalancers));
        peerings = Collections.unmodifiableNavigableMap(new TreeMap<>(peerings));
        routeTables = Collections.unmodifiableNavigableMap(new TreeMap<>(routeTables));
        taps = Collections.unmodifiableNavigableMap(new TreeMap<>(taps));
    }

    /**
     * The networks {@code network} is peered with: those whose tenant declared a peering to it and to which it
     * declared one (a one-sided peering is {@code Initiated} and carries nothing). Not transitive.
     */
    public java.util.SortedSet<ResourceId> activePeers(ResourceId network) {
        java.util.SortedSet<ResourceId> peers = new TreeSet<>();
        for (VirtualNetworkPeering p : peerings.values()) {
            if (p.networkId().equals(network) && p.connected()) {
                peers.add(p.remote());
            }
        }
        return peers;
    }

    /** Whether {@code network}'s half of its peering with {@code from} allows traffic forwarded from {@code from} (allowForwardedTraffic). */
    public boolean takesForwarded(ResourceId network, ResourceId from) {
        return peerings.values().stream().anyMatch(p -> p.networkId().equals(network) && p.remote().equals(from) && p.allowForwardedTraffic());
    }

    /** This model with every peering's state worked out: Connected when its other half is declared, else Initiated. */
    public Model withPeeringStates() {
        NavigableMap<ResourceId, VirtualNetworkPeering> states = new TreeMap<>();
        peerings.forEach((id, p) -> {
            boolean connected = networks.containsKey(p.remote()) && peerings.values().stream()
                    .anyMatch(q -> q.networkId().equals(p.remote()) && q.remote().equals(p.networkId()));
            states.put(id, new VirtualNetworkPeering(p.namespace(), p.name(), p.labels(), p.virtualNetwork(), p.remote(), p.allowForwardedTraffic(),
                    connected));
        });
        return new Model(revision, hosts, networks, interfaces, securityGroups, logicalNetworks, publicIps, natGateways, loadBalancers, states, routeTables, taps);
    }

    /** This model at {@code revision} with {@code interfaces} instead of its own. */
    public Model withInterfaces(String revision, NavigableMap<ResourceId, NetworkInterface> interfaces) {
        return new Model(revision, hosts, networks, interfaces, securityGroups, logicalNetworks, publicIps, natGateways, loadBalancers, peerings, routeTables, taps);
    }

    /** A model without north–south resources. */
    public Model(String revision, NavigableMap<String, Host> hosts, NavigableMap<ResourceId, VirtualNetwork> networks,
                 NavigableMap<ResourceId, NetworkInterface> interfaces, NavigableMap<ResourceId, NetworkSecurityGroup> securityGroups) {
        this(revision, hosts, networks, interfaces, securityGroups, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(),
                new TreeMap<>(), new TreeMap<>());
    }

    /** A model without security groups. */
    public Model(String revision, NavigableMap<String, Host> hosts, NavigableMap<ResourceId, VirtualNetwork> networks,
                 NavigableMap<ResourceId, NetworkInterface> interfaces) {
        this(revision, hosts, networks, interfaces, new TreeMap<>());
    }

    public static Model of(String revision, List<Host> hosts, List<VirtualNetwork> networks, List<NetworkInterface> interfaces) {
        return of(revision, hosts, networks, interfaces, List.of());
    }

    public static Model of(String revision, List<Host> hosts, List<VirtualNetwork> networks, List<NetworkInterface> interfaces,
                           List<NetworkSecurityGroup> securityGroups) {
        return of(revision, hosts, networks, interfaces, securityGroups, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    public static Model of(String revision, List<Host> hosts, List<VirtualNetwork> networks, List<NetworkInterface> interfaces,
                           List<NetworkSecurityGroup> securityGroups, List<LogicalNetwork> logicalNetworks, List<PublicIPAddress> publicIps,
                           List<NatGateway> natGateways, List<LoadBalancer> loadBalancers, List<VirtualNetworkPeering> peerings) {
        return of(revision, hosts, networks, interfaces, securityGroups, logicalNetworks, publicIps, natGateways, loadBalancers, peerings, List.of(), List.of());
    }

    public static Model of(String revision, List<Host> hosts, List<VirtualNetwork> networks, List<NetworkInterface> interfaces,
                           List<NetworkSecurityGroup> securityGroups, List<LogicalNetwork> logicalNetworks, List<PublicIPAddress> publicIps,
                           List<NatGateway> natGateways, List<LoadBalancer> loadBalancers, List<VirtualNetworkPeering> peerings,
                           List<RouteTable> routeTables) {
        return of(revision, hosts, networks, interfaces, securityGroups, logicalNetworks, publicIps, natGateways, loadBalancers, peerings, routeTables,
                List.of());
    }

    public static Model of(String revision, List<Host> hosts, List<VirtualNetwork> networks, List<NetworkInterface> interfaces,
                           List<NetworkSecurityGroup> securityGroups, List<LogicalNetwork> logicalNetworks, List<PublicIPAddress> publicIps,
                           List<NatGateway> natGateways, List<LoadBalancer> loadBalancers, List<VirtualNetworkPeering> peerings,
                           List<RouteTable> routeTables, List<VirtualNetworkTap> taps) {
        return new Model(revision,
                index(hosts, Host::name),
                index(networks, VirtualNetwork::id),
                index(interfaces, NetworkInterface::id),
                index(securityGroups, NetworkSecurityGroup::id),
                index(logicalNetworks, LogicalNetwork::name),
                index(publicIps, PublicIPAddress::id),
                index(natGateways, NatGateway::id),
                index(loadBalancers, LoadBalancer::id),
                index(peerings, VirtualNetworkPeering::id),
                index(routeTables, RouteTable::id),
                index(taps, VirtualNetworkTap::id));
    }

    /** The public address {@code name} of tenant {@code namespace}, if declared. */
    public Optional<PublicIPAddress> publicIp(String namespace, String name) {
        return Optional.ofNullable(publicIps.get(new ResourceId(Kind.PublicIPAddress, namespace, name)));
    }

    /** Whether nothing north–south differs from {@code other}: logical networks, public addresses, NAT gateways, load balancers. */
    public boolean sameNorthSouth(Model other) {
        return logicalNetworks.equals(other.logicalNetworks) && publicIps.equals(other.publicIps) && natGateways.equals(other.natGateways)
                && loadBalancers.equals(other.loadBalancers) && peerings.equals(other.peerings);
    }

    private static <K extends Comparable<K>, V> NavigableMap<K, V> index(List<V> values, Function<V, K> key) {
        return values.stream().collect(Collectors.toMap(key, v -> v, (a, b) -> a, TreeMap::new));
    }

    public Optional<VirtualNetwork> network(ResourceId id) {
        return Optional.ofNullable(networks.get(id));
    }

    /** The routes of subnet {@code subnet} of {@code network}: its route table's, none without one. */
    public java.util.List<RouteTable.Route> routes(VirtualNetwork network, Subnet subnet) {
        return subnet.routeTable().map(t -> routeTables.get(new ResourceId(Kind.RouteTable, network.namespace(), t)))
                .map(RouteTable::routes).orElse(java.util.List.of());
    }

    /** The taps NIC {@code nic} is a source of. */
    public java.util.List<VirtualNetworkTap> tapsOf(ResourceId nic) {
        return taps.values().stream().filter(t -> t.namespace().equals(nic.namespace()) && t.sources().contains(nic.name())).toList();
    }

    /** Tenants are the namespaces that own at least one resource. */
    public SortedSet<String> tenants() {
        SortedSet<String> tenants = new TreeSet<>();
        networks.keySet().forEach(id -> tenants.add(id.namespace()));
        interfaces.keySet().forEach(id -> tenants.add(id.namespace()));
        return Collections.unmodifiableSortedSet(tenants);
    }

    public int subnetCount() {
        return networks.values().stream().mapToInt(n -> n.subnets().size()).sum();
    }

    public Map<String, Long> interfacesPerHost() {
        return interfaces.values().stream()
                .sorted(Comparator.comparing(NetworkInterface::host))
                .collect(Collectors.groupingBy(NetworkInterface::host, TreeMap::new, Collectors.counting()));
    }
}

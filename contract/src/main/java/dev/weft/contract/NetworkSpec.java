package dev.weft.contract;

import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Objects;

/** A virtual network's VNI, encapsulation, address space and subnets. Key: {@code namespace/name}. */
public record NetworkSpec(String namespace, String name, int vni, Encapsulation encapsulation, List<Ipv4Prefix> addressSpace,
                          List<Subnet> subnets, List<Peer> peers) implements Spec {

    /**
     * An active peering: the peered network's VNI and address space (its traffic is encapsulated with that VNI), and whether
     * the peer takes traffic forwarded by this network's appliances ({@code allowForwardedTraffic} of the peer's half).
     */
    public record Peer(int vni, List<Ipv4Prefix> addressSpace, boolean allowForwardedTraffic) {
        public Peer {
            Require.vni(vni);
            addressSpace = List.copyOf(addressSpace);
        }
    }

    /** A network without peerings. */
    public NetworkSpec(String namespace, String name, int vni, Encapsulation encapsulation, List<Ipv4Prefix> addressSpace, List<Subnet> subnets) {
        this(namespace, name, vni, encapsulation, addressSpace, subnets, List.of());
    }

    /**
     * A subnet; its gateway is the first host address, answered by the host's distributed router. {@code routes}: the
     * user routes of the route table attached to it (empty for none), which its VMs' packets are routed by.
     */
    public record Subnet(String name, Ipv4Prefix prefix, List<Route> routes) {
        public Subnet {
            Require.name("name", name);
            Objects.requireNonNull(prefix, "prefix");
            routes = List.copyOf(routes);
        }

        /** A subnet without a route table. */
        public Subnet(String name, Ipv4Prefix prefix) {
            this(name, prefix, List.of());
        }
    }

    /** Where a user route sends what it matches. */
    public enum NextHop { VirtualAppliance, VnetLocal, Internet, None }

    /**
     * A user route: packets to {@code addressPrefix} go to {@code nextHopType}; {@code nextHopIpAddress} (a NIC's address in
     * the same network) for a VirtualAppliance only. {@code name} is {@code <route table>/<route>}.
     */
    public record Route(String name, Ipv4Prefix addressPrefix, NextHop nextHopType, java.util.Optional<dev.weft.net.Ipv4> nextHopIpAddress) {
        public Route {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(addressPrefix, "addressPrefix");
            Objects.requireNonNull(nextHopType, "nextHopType");
            Objects.requireNonNull(nextHopIpAddress, "nextHopIpAddress");
            if (nextHopIpAddress.isPresent() != (nextHopType == NextHop.VirtualAppliance)) {
                throw new IllegalArgumentException("route " + name + ": nextHopIpAddress is for a VirtualAppliance, and only for one");
            }
        }
    }

    public NetworkSpec {
        Require.name("namespace", namespace);
        Require.name("name", name);
        Require.vni(vni);
        Objects.requireNonNull(encapsulation, "encapsulation");
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
        peers = List.copyOf(peers);
    }

    /** The network's DNS zone and DHCP domain: {@code <name>.<namespace>.internal}. */
    public String domain() {
        return domain(namespace, name);
    }

    /** The DNS zone and DHCP domain of network {@code namespace/name}: {@code <name>.<namespace>.internal}. */
    public static String domain(String namespace, String name) {
        return name + "." + namespace + ".internal";
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.Network;
    }

    @Override
    public String key() {
        return namespace + "/" + name;
    }
}

package dev.weft.fastpath.table;

import dev.weft.net.Ipv4Prefix;
import java.util.List;

/**
 * A virtual network's VNI, address space and subnets, for distributed routing, and its DNS zone
 * ({@code <network>.<tenant>.internal}; null for none), the networks peered with it ({@code peers}), and the user
 * routes of the subnets that have a route table ({@code routes}, by subnet).
 */
public record NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets, String zone, List<Peer> peers,
                           java.util.Map<Ipv4Prefix, List<Route>> routes) {

    public NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets, String zone, List<Peer> peers) {
        this(vni, addressSpace, subnets, zone, peers, java.util.Map.of());
    }

    /**
     * An active peering: the peered network's VNI and address space, and whether it takes traffic this network's
     * appliances forward (from addresses outside this network).
     */
    public record Peer(int vni, List<Ipv4Prefix> addressSpace, boolean allowForwardedTraffic) {
        public Peer {
            addressSpace = List.copyOf(addressSpace);
        }

        public Peer(int vni, List<Ipv4Prefix> addressSpace) {
            this(vni, addressSpace, false);
        }
    }

    public NetworkEntry {
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
        peers = List.copyOf(peers);
        routes = java.util.Map.copyOf(routes);
    }

    public NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets, String zone) {
        this(vni, addressSpace, subnets, zone, List.of());
    }

    public NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets) {
        this(vni, addressSpace, subnets, null);
    }
}

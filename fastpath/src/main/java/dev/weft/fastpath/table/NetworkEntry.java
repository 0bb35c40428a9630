package dev.weft.fastpath.table;

import dev.weft.net.Ipv4Prefix;
import java.util.List;

/**
 * A virtual network's VNI, address space and subnets, for distributed routing, and its DNS zone
 * ({@code <network>.<tenant>.internal}; null for none), and the networks peered with it ({@code peers}).
 */
public record NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets, String zone, List<Peer> peers) {

    /** An active peering: the peered network's VNI and address space. */
    public record Peer(int vni, List<Ipv4Prefix> addressSpace) {
        public Peer {
            addressSpace = List.copyOf(addressSpace);
        }
    }

    public NetworkEntry {
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
        peers = List.copyOf(peers);
    }

    public NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets, String zone) {
        this(vni, addressSpace, subnets, zone, List.of());
    }

    public NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets) {
        this(vni, addressSpace, subnets, null);
    }
}

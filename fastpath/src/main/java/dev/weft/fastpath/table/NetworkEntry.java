package dev.weft.fastpath.table;

import dev.weft.net.Ipv4Prefix;
import java.util.List;

/**
 * A virtual network's VNI, address space and subnets, for distributed routing, and its DNS zone
 * ({@code <network>.<tenant>.internal}; null for none).
 */
public record NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets, String zone) {

    public NetworkEntry {
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
    }

    public NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets) {
        this(vni, addressSpace, subnets, null);
    }
}

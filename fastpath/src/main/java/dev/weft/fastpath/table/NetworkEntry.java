package dev.weft.fastpath.table;

import dev.weft.net.Ipv4Prefix;
import java.util.List;

/** A virtual network's VNI, address space and subnets, for distributed routing. */
public record NetworkEntry(int vni, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> subnets) {

    public NetworkEntry {
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
    }
}

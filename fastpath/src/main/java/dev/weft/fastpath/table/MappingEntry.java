package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;

/** Customer address → provider address: where {@code ip} of {@code vni} lives on the underlay. */
public record MappingEntry(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, Encapsulation encapsulation) {

    /** The wire format between hosts. */
    public enum Encapsulation { VXLAN, NVGRE }
}

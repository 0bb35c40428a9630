package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;

/**
 * Customer address → provider address: where {@code ip} of {@code vni} lives on the underlay; {@code name} is
 * the interface's name in the network's DNS zone (empty: none).
 */
public record MappingEntry(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, Encapsulation encapsulation, String name) {

    public MappingEntry(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, Encapsulation encapsulation) {
        this(vni, ip, mac, providerAddress, encapsulation, "");
    }

    /** The wire format between hosts. */
    public enum Encapsulation { VXLAN, NVGRE }
}

package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;

/** A local port: the VM's MAC and IP on a VNI, its subnet and gateway, and its security layers (null: unfiltered). */
public record PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                        dev.weft.fastpath.security.PortSecurity security) {

    /** A port no security group filters. */
    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway) {
        this(name, vni, mac, ip, subnet, gateway, null);
    }
}

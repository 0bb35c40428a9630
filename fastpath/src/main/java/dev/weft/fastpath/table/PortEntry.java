package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.List;

/**
 * A local port: the VM's MAC and IP on a VNI, its subnet and gateway, its security layers (null:
 * unfiltered), what the host's DHCP service offers it, whether it forwards IP ({@code ipForwarding}: a
 * virtual appliance, which may send from addresses not its own and receives packets routed through it), and its rate
 * limits ({@code qos}), the taps it is a source of ({@code mirrors}), and whether the VM takes a run of one UDP flow's
 * datagrams as one frame ({@code udpCoalescing}, see {@link dev.weft.fastpath.io.GsoRun}).
 */
public record PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                        dev.weft.fastpath.security.PortSecurity security, Dhcp dhcp, boolean ipForwarding, Qos qos, List<Mirror> mirrors,
                        boolean udpCoalescing) {

    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                     dev.weft.fastpath.security.PortSecurity security, Dhcp dhcp, boolean ipForwarding, Qos qos, List<Mirror> mirrors) {
        this(name, vni, mac, ip, subnet, gateway, security, dhcp, ipForwarding, qos, mirrors, false);
    }

    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                     dev.weft.fastpath.security.PortSecurity security, Dhcp dhcp, boolean ipForwarding, Qos qos) {
        this(name, vni, mac, ip, subnet, gateway, security, dhcp, ipForwarding, qos, List.of());
    }

    /**
     * The port's rate limits in bits per second, each 0 for none: to the VM ({@code inbound}) and from it ({@code outbound}),
     * the VM's guaranteed share of its host's outbound capacity ({@code outboundReserved}) and that capacity ({@code hostOutbound}).
     */
    public record Qos(long inboundBitsPerSecond, long outboundBitsPerSecond, long outboundReservedBitsPerSecond, long hostOutboundBitsPerSecond) {
        public static final Qos NONE = new Qos(0, 0, 0, 0);

        public Qos(long inboundBitsPerSecond, long outboundBitsPerSecond) {
            this(inboundBitsPerSecond, outboundBitsPerSecond, 0, 0);
        }
    }

    public PortEntry {
        java.util.Objects.requireNonNull(qos, "qos");
        mirrors = List.copyOf(mirrors);
    }

    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                     dev.weft.fastpath.security.PortSecurity security, Dhcp dhcp, boolean ipForwarding) {
        this(name, vni, mac, ip, subnet, gateway, security, dhcp, ipForwarding, Qos.NONE);
    }

    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                     dev.weft.fastpath.security.PortSecurity security, Dhcp dhcp) {
        this(name, vni, mac, ip, subnet, gateway, security, dhcp, false);
    }

    /**
     * DHCP options besides address, mask and router.
     *
     * @param domain     the DNS domain, offered as domain name (15) and search list (119); null for none
     * @param dnsServers offered as option 6; empty for none
     * @param mtu        the interface MTU offered (26)
     */
    public record Dhcp(String domain, List<Ipv4> dnsServers, int mtu) {
        /** No domain, no DNS servers, the MTU of VXLAN over a 1,500-byte underlay. */
        public static final Dhcp DEFAULT = new Dhcp(null, List.of(), 1450);

        public Dhcp {
            dnsServers = List.copyOf(dnsServers);
        }
    }

    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                     dev.weft.fastpath.security.PortSecurity security) {
        this(name, vni, mac, ip, subnet, gateway, security, Dhcp.DEFAULT);
    }

    /** A port no security group filters. */
    public PortEntry(String name, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway) {
        this(name, vni, mac, ip, subnet, gateway, null);
    }
}

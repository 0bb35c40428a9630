package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.List;
import java.util.Objects;

/**
 * A local NIC: the port's tenant and name, its virtual network and VNI, MAC, IP, subnet prefix,
 * gateway, security layers ({@link PortSecurity#NONE} when no group filters it), what DHCP offers it, and
 * whether it forwards IP ({@code ipForwarding}: an appliance may send from addresses not its own), its rate limits
 * ({@code qos}), the taps it is a source of ({@code mirrors}), and whether the VM takes a run of one UDP flow's datagrams
 * as one frame ({@code udpCoalescing}: USO to the VM). Key: {@code namespace/name}.
 */
public record PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip,
                       Ipv4Prefix subnet, Ipv4 gateway, PortSecurity security, DhcpOptions dhcp, boolean ipForwarding, Qos qos,
                       List<Mirror> mirrors, boolean udpCoalescing) implements Spec {

    /** A port that takes UDP datagrams one by one. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                    PortSecurity security, DhcpOptions dhcp, boolean ipForwarding, Qos qos, List<Mirror> mirrors) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, security, dhcp, ipForwarding, qos, mirrors, false);
    }

    /** Which of a port's frames a tap copies. */
    public enum Direction { Inbound, Outbound, Both }

    /**
     * A tap the port is a source of ({@code tap}: {@code namespace/name}): copies of its frames in {@code direction} go to
     * {@code destination} (an address of the port's network), wrapped in VXLAN with {@code vni} to UDP {@code port}.
     */
    public record Mirror(String tap, int vni, Direction direction, Ipv4 destination, int port) {
        public Mirror {
            Objects.requireNonNull(tap, "tap");
            Require.vni(vni);
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(destination, "destination");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range 1..65535: " + port);
            }
        }
    }

    /** A port that is no tap's source. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                    PortSecurity security, DhcpOptions dhcp, boolean ipForwarding, Qos qos) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, security, dhcp, ipForwarding, qos, List.of());
    }

    /**
     * Rate limits in Mbit/s, 0 for none: to the VM ({@code inboundMaximumMbps}) and from it ({@code outboundMaximumMbps});
     * the share of its host's capacity the VM may always send ({@code outboundReservedMbps}), and that capacity, what all
     * the host's VMs may send together ({@code hostOutboundCapacityMbps}).
     */
    public record Qos(int inboundMaximumMbps, int outboundMaximumMbps, int outboundReservedMbps, int hostOutboundCapacityMbps) {
        public static final Qos NONE = new Qos(0, 0, 0, 0);

        public Qos {
            if (inboundMaximumMbps < 0 || outboundMaximumMbps < 0 || outboundReservedMbps < 0 || hostOutboundCapacityMbps < 0) {
                throw new IllegalArgumentException("rate limits can't be negative");
            }
        }
    }

    /** A port without rate limits. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                    PortSecurity security, DhcpOptions dhcp, boolean ipForwarding) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, security, dhcp, ipForwarding, Qos.NONE);
    }

    public PortSpec {
        Require.name("namespace", namespace);
        Require.name("name", name);
        Require.name("network", network);
        Require.vni(vni);
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(dhcp, "dhcp");
        Objects.requireNonNull(qos, "qos");
        mirrors = List.copyOf(mirrors);
        if (!subnet.contains(ip)) {
            throw new IllegalArgumentException("ip " + ip + " is outside subnet " + subnet);
        }
    }

    /** A port that doesn't forward IP. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                    PortSecurity security, DhcpOptions dhcp) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, security, dhcp, false);
    }

    /** A port no security group filters, with its network's domain and no DNS servers. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, PortSecurity.NONE);
    }

    /** A port with its network's domain and no DNS servers. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway,
                    PortSecurity security) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, security, DhcpOptions.of(network));
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.Port;
    }

    @Override
    public String key() {
        return namespace + "/" + name;
    }
}

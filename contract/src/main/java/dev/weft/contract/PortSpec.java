package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.Objects;

/**
 * A local NIC: the port's tenant and name, its virtual network and VNI, MAC, IP, subnet prefix,
 * gateway, security layers ({@link PortSecurity#NONE} when no group filters it), what DHCP offers it, and
 * whether it forwards IP ({@code ipForwarding}: an appliance may send from addresses not its own), and its rate limits
 * ({@code qos}). Key: {@code namespace/name}.
 */
public record PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip,
                       Ipv4Prefix subnet, Ipv4 gateway, PortSecurity security, DhcpOptions dhcp, boolean ipForwarding, Qos qos) implements Spec {

    /** Rate limits in Mbit/s, 0 for none: to the VM ({@code inboundMaximumMbps}) and from it ({@code outboundMaximumMbps}). */
    public record Qos(int inboundMaximumMbps, int outboundMaximumMbps) {
        public static final Qos NONE = new Qos(0, 0);

        public Qos {
            if (inboundMaximumMbps < 0 || outboundMaximumMbps < 0) {
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

package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.Objects;

/**
 * A local NIC: the port's tenant and name, its virtual network and VNI, MAC, IP, subnet prefix,
 * gateway, security layers ({@link PortSecurity#NONE} when no group filters it), what DHCP offers it, and
 * whether it forwards IP ({@code ipForwarding}: an appliance may send from addresses not its own). Key: {@code namespace/name}.
 */
public record PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip,
                       Ipv4Prefix subnet, Ipv4 gateway, PortSecurity security, DhcpOptions dhcp, boolean ipForwarding) implements Spec {

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

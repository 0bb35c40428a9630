package dev.weft.agent.object;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.Map;

/**
 * A local NIC: the port's tenant and name, its virtual network and VNI, MAC, IP, subnet prefix and
 * gateway. Key: {@code namespace/name}.
 */
public record PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip,
                       Ipv4Prefix subnet, Ipv4 gateway, Map<String, Object> security) {

    /** A port no security group filters. */
    public PortSpec(String namespace, String name, String network, int vni, MacAddress mac, Ipv4 ip, Ipv4Prefix subnet, Ipv4 gateway) {
        this(namespace, name, network, vni, mac, ip, subnet, gateway, null);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public HostObject toObject() {
        Map<String, Object> spec = new java.util.TreeMap<>(Map.of(
                "network", network,
                "vni", vni,
                "mac", mac.toString(),
                "ip", ip.toString(),
                "subnet", subnet.toString(),
                "gateway", gateway.toString()));
        if (security != null) {
            spec.put("security", security); // {inbound: [layers], outbound: [layers]}, each layer a group's ordered rules
        }
        return HostObject.of(ObjectKind.Port, key(), spec);
    }

    public static PortSpec from(HostObject object) {
        Map<String, Object> s = object.spec();
        String[] key = object.key().split("/", 2);
        return new PortSpec(key[0], key[1], (String) s.get("network"), ((Number) s.get("vni")).intValue(),
                MacAddress.parse((String) s.get("mac")), Ipv4.parse((String) s.get("ip")),
                Ipv4Prefix.parse((String) s.get("subnet")), Ipv4.parse((String) s.get("gateway")),
                castSecurity(s.get("security")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castSecurity(Object security) {
        if (security != null && !(security instanceof Map)) {
            throw new IllegalArgumentException("security must be an object");
        }
        return (Map<String, Object>) security;
    }
}

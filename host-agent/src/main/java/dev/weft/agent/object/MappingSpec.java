package dev.weft.agent.object;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import java.util.Map;

/**
 * A customer address → provider address entry: in VNI {@code vni}, {@code ip} ({@code mac}) lives on the
 * host whose underlay address is {@code providerAddress}, reached with {@code encapsulation}. Key: {@code vni/ip}.
 */
public record MappingSpec(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, String encapsulation) {

    public String key() {
        return vni + "/" + ip;
    }

    public HostObject toObject() {
        return HostObject.of(ObjectKind.Mapping, key(), Map.of(
                "vni", vni,
                "ip", ip.toString(),
                "mac", mac.toString(),
                "providerAddress", providerAddress.toString(),
                "encapsulation", encapsulation));
    }

    public static MappingSpec from(HostObject object) {
        Map<String, Object> s = object.spec();
        return new MappingSpec(((Number) s.get("vni")).intValue(), Ipv4.parse((String) s.get("ip")),
                MacAddress.parse((String) s.get("mac")), Ipv4.parse((String) s.get("providerAddress")),
                (String) s.get("encapsulation"));
    }
}

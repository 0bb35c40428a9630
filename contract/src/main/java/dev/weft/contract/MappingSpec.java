package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import java.util.Objects;

/**
 * A customer address → provider address entry: in VNI {@code vni}, {@code ip} ({@code mac}) lives on the
 * host whose underlay address is {@code providerAddress}, reached with {@code encapsulation}; {@code name} is
 * the interface's name in its network's DNS zone (empty: no name). Key: {@code vni/ip}.
 */
public record MappingSpec(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, Encapsulation encapsulation, String name) implements Spec {

    public MappingSpec(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, Encapsulation encapsulation) {
        this(vni, ip, mac, providerAddress, encapsulation, "");
    }

    public MappingSpec {
        Require.vni(vni);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(providerAddress, "providerAddress");
        Objects.requireNonNull(encapsulation, "encapsulation");
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.Mapping;
    }

    @Override
    public String key() {
        return vni + "/" + ip;
    }
}

package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import java.util.Objects;

/**
 * A customer address → provider address entry: in VNI {@code vni}, {@code ip} ({@code mac}) lives on the
 * host whose underlay address is {@code providerAddress}, reached with {@code encapsulation}. Key: {@code vni/ip}.
 */
public record MappingSpec(int vni, Ipv4 ip, MacAddress mac, Ipv4 providerAddress, Encapsulation encapsulation) implements Spec {

    public MappingSpec {
        Require.vni(vni);
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

package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Objects;

/**
 * A NAT gateway: the subnets whose ports leave through it ({@code sources}), the Gateway host serving it now
 * ({@code host}, its underlay address: that host translates, every other sends it the traffic), its public
 * addresses and idle timeout. Key: {@code namespace/name}.
 */
public record NatGatewaySpec(String namespace, String name, Ipv4 host, List<Ipv4> addresses, int idleTimeoutMinutes,
                             List<Source> sources) implements Spec {

    /** A subnet of the network with VNI {@code vni}. */
    public record Source(int vni, Ipv4Prefix prefix) {
        public Source {
            Require.vni(vni);
            Objects.requireNonNull(prefix, "prefix");
        }
    }

    public NatGatewaySpec {
        Require.name("namespace", namespace);
        Require.name("name", name);
        Objects.requireNonNull(host, "host");
        addresses = List.copyOf(addresses);
        sources = List.copyOf(sources);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a NAT gateway needs at least one address");
        }
        if (idleTimeoutMinutes < 4 || idleTimeoutMinutes > 120) {
            throw new IllegalArgumentException("idleTimeoutMinutes must be 4 to 120");
        }
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.NatGateway;
    }

    @Override
    public String key() {
        return namespace + "/" + name;
    }
}

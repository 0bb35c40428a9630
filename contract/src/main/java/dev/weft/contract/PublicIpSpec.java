package dev.weft.contract;

import dev.weft.net.Ipv4;
import java.util.Objects;

/**
 * A public address of a local port (one-to-one NAT on this host's uplink): PublicIPAddress {@code name} of
 * tenant {@code namespace}, {@code address}, given to the Port whose key is {@code port}. Key: {@code namespace/name}.
 */
public record PublicIpSpec(String namespace, String name, String port, Ipv4 address) implements Spec {

    public PublicIpSpec {
        Require.name("namespace", namespace);
        Require.name("name", name);
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.PublicIp;
    }

    @Override
    public String key() {
        return namespace + "/" + name;
    }
}

package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.Objects;

/**
 * The host's uplink: its device {@code device} on logical network {@code logicalNetwork}, whose subnet is
 * {@code prefix} with default gateway {@code defaultGateway}. Key: the logical network's name.
 */
public record UplinkSpec(String logicalNetwork, String device, Ipv4Prefix prefix, Ipv4 defaultGateway) implements Spec {

    public UplinkSpec {
        Require.name("logicalNetwork", logicalNetwork);
        Objects.requireNonNull(device, "device");
        if (device.isEmpty() || device.length() > 15 || device.contains("/") || device.isBlank()) {
            throw new IllegalArgumentException("device must be an interface name of 1 to 15 characters");
        }
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(defaultGateway, "defaultGateway");
        if (!prefix.contains(defaultGateway)) {
            throw new IllegalArgumentException("defaultGateway " + defaultGateway + " is outside " + prefix);
        }
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.Uplink;
    }

    @Override
    public String key() {
        return logicalNetwork;
    }
}

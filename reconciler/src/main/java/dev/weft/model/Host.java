package dev.weft.model;

import dev.weft.net.Ipv4;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/** A virtualization host running a Weft agent; its underlay address is the provider address (PA). */
public record Host(String name, Map<String, String> labels, Ipv4 underlayAddress, Optional<String> agentEndpoint, boolean gateway,
                   Optional<Uplink> uplink, int outboundCapacityMbps) implements Resource {

    /** Without a capacity for its VMs' outbound traffic (0). */
    public Host(String name, Map<String, String> labels, Ipv4 underlayAddress, Optional<String> agentEndpoint, boolean gateway, Optional<Uplink> uplink) {
        this(name, labels, underlayAddress, agentEndpoint, gateway, uplink, 0);
    }

    /** The host's device {@code interfaceName} on logical network {@code logicalNetwork}. */
    public record Uplink(String logicalNetwork, String interfaceName) {
    }

    public Host {
        labels = Map.copyOf(labels);
    }

    /** A host without the Gateway role or an uplink. */
    public Host(String name, Map<String, String> labels, Ipv4 underlayAddress, Optional<String> agentEndpoint) {
        this(name, labels, underlayAddress, agentEndpoint, false, Optional.empty());
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.Host, "", name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("underlayAddress", underlayAddress.toString());
        agentEndpoint.ifPresent(e -> fields.put("agentEndpoint", e));
        if (gateway) {
            fields.put("roles", "[Gateway]");
        }
        if (outboundCapacityMbps > 0) {
            fields.put("outboundCapacityMbps", Integer.toString(outboundCapacityMbps));
        }
        uplink.ifPresent(u -> {
            fields.put("uplink.logicalNetwork", u.logicalNetwork());
            fields.put("uplink.interface", u.interfaceName());
        });
        return fields;
    }
}

package dev.weft.model;

import dev.weft.net.Ipv4;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/** A virtualization host running a Weft agent; its underlay address is the provider address (PA). */
public record Host(String name, Map<String, String> labels, Ipv4 underlayAddress, Optional<String> agentEndpoint) implements Resource {

    public Host {
        labels = Map.copyOf(labels);
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
        return fields;
    }
}

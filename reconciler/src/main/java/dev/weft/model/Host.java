package dev.weft.model;

import dev.weft.net.Ipv4;
import java.util.Map;
import java.util.Optional;

/** A virtualization host running a Weft agent; its underlay address is the provider address (PA). */
public record Host(String name, Map<String, String> labels, Ipv4 underlayAddress, Optional<String> agentEndpoint) {

    public Host {
        labels = Map.copyOf(labels);
    }

    public ResourceId id() {
        return new ResourceId(Kind.Host, "", name);
    }
}

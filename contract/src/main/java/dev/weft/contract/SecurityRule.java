package dev.weft.contract;

import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Objects;

/** A compiled security rule: prefixes already expanded ({@code *} is 0.0.0.0/0, {@code VirtualNetwork} its address space). */
public record SecurityRule(String name, int priority, Access action, Protocol protocol, List<Ipv4Prefix> source,
                           List<Ipv4Prefix> destination, List<PortRange> sourcePorts, List<PortRange> destinationPorts,
                           boolean logging) {

    public enum Access { Allow, Deny }

    public enum Protocol { TCP, UDP, ICMP, Any }

    public SecurityRule {
        Require.name("name", name);
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(protocol, "protocol");
        source = List.copyOf(source);
        destination = List.copyOf(destination);
        sourcePorts = List.copyOf(sourcePorts);
        destinationPorts = List.copyOf(destinationPorts);
    }
}

package dev.weft.model;

import java.util.List;

/**
 * One rule of a network security group (names and values after the Azure / Network Controller model).
 *
 * @param sourceAddressPrefixes      CIDR prefixes, {@code *} or {@code VirtualNetwork}
 * @param destinationAddressPrefixes CIDR prefixes, {@code *} or {@code VirtualNetwork}
 */
public record SecurityRule(String name, String description, int priority, Direction direction, Access action, Protocol protocol,
                           List<String> sourceAddressPrefixes, List<String> destinationAddressPrefixes,
                           List<PortRange> sourcePortRanges, List<PortRange> destinationPortRanges, boolean logging) {

    public enum Direction { Inbound, Outbound }

    public enum Access { Allow, Deny }

    public enum Protocol { TCP, UDP, ICMP, Any }

    public SecurityRule {
        sourceAddressPrefixes = List.copyOf(sourceAddressPrefixes);
        destinationAddressPrefixes = List.copyOf(destinationAddressPrefixes);
        sourcePortRanges = List.copyOf(sourcePortRanges);
        destinationPortRanges = List.copyOf(destinationPortRanges);
    }
}

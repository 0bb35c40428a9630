package dev.weft.fastpath.table;

/**
 * A tap a port is a source of ({@code tap}: {@code namespace/name}): copies of the frames it receives ({@code inbound})
 * and/or sends ({@code outbound}) go to {@code destination}, an address of the port's network, wrapped in VXLAN with
 * {@code vni} to UDP {@code port}.
 */
public record Mirror(String tap, int vni, boolean inbound, boolean outbound, int destination, int port) {
}

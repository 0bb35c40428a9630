package dev.weft.fastpath.table;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Everything the data plane forwards with, immutable. The agent builds a new snapshot after every
 * applied batch and publishes it with one volatile write; workers read the reference once per batch.
 *
 * @param generation increases with every publish; cached flows stamped with an older one are stale
 * @param portIds    a stable id per port (same order as {@code ports}): it stays the port's while the port
 *                   exists and is never given to another, so per-port state such as connection tracking
 *                   survives other ports coming and going
 * @param egress     uplink, public addresses and NAT gateways
 * @param balancers  load-balancing rules of frontends in networks with ports here
 */
public record TableSnapshot(long generation, List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks,
                            List<Integer> portIds, Egress egress, List<Balancer> balancers) {

    public static final TableSnapshot EMPTY = new TableSnapshot(0, List.of(), List.of(), List.of());

    public TableSnapshot {
        ports = List.copyOf(ports);
        mappings = List.copyOf(mappings);
        networks = List.copyOf(networks);
        portIds = List.copyOf(portIds);
        java.util.Objects.requireNonNull(egress, "egress");
        balancers = List.copyOf(balancers);
        if (portIds.size() != ports.size()) {
            throw new IllegalArgumentException(portIds.size() + " port ids for " + ports.size() + " ports");
        }
    }

    /** A snapshot on its own (no history of ports): ids by position. */
    public TableSnapshot(long generation, List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks) {
        this(generation, ports, mappings, networks, Egress.NONE);
    }

    /** A snapshot on its own (no history of ports): ids by position. */
    public TableSnapshot(long generation, List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks, Egress egress) {
        this(generation, ports, mappings, networks, egress, List.of());
    }

    /** A snapshot on its own (no history of ports): ids by position. */
    public TableSnapshot(long generation, List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks, Egress egress,
                         List<Balancer> balancers) {
        this(generation, ports, mappings, networks, IntStream.range(0, ports.size()).boxed().toList(), egress, balancers);
    }
}

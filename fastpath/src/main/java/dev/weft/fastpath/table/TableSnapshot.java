package dev.weft.fastpath.table;

import java.util.List;

/**
 * Everything the data plane forwards with, immutable. The agent builds a new snapshot after every
 * applied batch and publishes it with one volatile write; workers read the reference once per batch.
 *
 * @param generation increases with every publish; cached flows stamped with an older one are stale
 */
public record TableSnapshot(long generation, List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks) {

    public static final TableSnapshot EMPTY = new TableSnapshot(0, List.of(), List.of(), List.of());

    public TableSnapshot {
        ports = List.copyOf(ports);
        mappings = List.copyOf(mappings);
        networks = List.copyOf(networks);
    }
}

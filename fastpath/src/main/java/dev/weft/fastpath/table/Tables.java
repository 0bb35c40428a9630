package dev.weft.fastpath.table;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The current table snapshot of one host's data plane. {@link #publish} replaces it with one volatile
 * write; readers take {@link #current} once per batch and never lock.
 */
public final class Tables {

    private volatile TableSnapshot current = TableSnapshot.EMPTY;
    private final AtomicLong publishes = new AtomicLong();
    /** Every current port's stable id; ids are never reused, so a new port never inherits a removed one's state. */
    private final Map<String, Integer> portIds = new HashMap<>();
    private int nextPortId;

    public TableSnapshot current() {
        return current;
    }

    /** Publishes a new snapshot with the next generation number and returns it. */
    public synchronized TableSnapshot publish(List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks) {
        return publish(ports, mappings, networks, snapshot -> { });
    }

    /**
     * As {@link #publish(List, List, List)}, handing the snapshot to {@code before} first: if that throws, the
     * snapshot is not published (and the exception propagates).
     */
    public synchronized TableSnapshot publish(List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks,
                                              java.util.function.Consumer<TableSnapshot> before) {
        return publish(new TableSnapshot(0, ports, mappings, networks), before);
    }

    /**
     * Publishes {@code entries} (whose generation and port ids are replaced) with the next generation number,
     * handing it to {@code before} first: if that throws, nothing is published.
     */
    public synchronized TableSnapshot publish(TableSnapshot entries, java.util.function.Consumer<TableSnapshot> before) {
        List<PortEntry> ports = entries.ports();
        Set<String> names = new HashSet<>();
        ports.forEach(p -> names.add(p.name()));
        portIds.keySet().retainAll(names);
        List<Integer> ids = ports.stream().map(p -> portIds.computeIfAbsent(p.name(), name -> nextPortId++)).toList();
        TableSnapshot next = new TableSnapshot(current.generation() + 1, ports, entries.mappings(), entries.networks(), ids, entries.egress(),
                entries.balancers());
        before.accept(next);
        current = next;
        publishes.incrementAndGet();
        return next;
    }

    public long publishes() {
        return publishes.get();
    }
}

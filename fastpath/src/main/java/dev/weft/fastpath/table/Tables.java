package dev.weft.fastpath.table;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The current table snapshot of one host's data plane. {@link #publish} replaces it with one volatile
 * write; readers take {@link #current} once per batch and never lock.
 */
public final class Tables {

    private volatile TableSnapshot current = TableSnapshot.EMPTY;
    private final AtomicLong publishes = new AtomicLong();

    public TableSnapshot current() {
        return current;
    }

    /** Publishes a new snapshot with the next generation number and returns it. */
    public synchronized TableSnapshot publish(List<PortEntry> ports, List<MappingEntry> mappings, List<NetworkEntry> networks) {
        TableSnapshot next = new TableSnapshot(current.generation() + 1, ports, mappings, networks);
        current = next;
        publishes.incrementAndGet();
        return next;
    }

    public long publishes() {
        return publishes.get();
    }
}

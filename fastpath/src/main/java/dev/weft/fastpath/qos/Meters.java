package dev.weft.fastpath.qos;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host's rate limits, shared by its workers: a {@link Meter} per port and direction with a limit, by port name, and
 * the port's dropped frames and bytes, which outlive a change of its limit.
 */
public final class Meters {

    /** Which way a frame crosses the port, or (RESERVED) the port's guaranteed share of what the host sends. */
    public enum Direction { INBOUND, OUTBOUND, RESERVED }

    /** The name the host's own outbound capacity goes by. */
    public static final String HOST = "(host)";

    private record Key(String port, Direction direction) {
    }

    private final Map<Key, Meter> meters = new ConcurrentHashMap<>();
    private final Map<Key, AtomicLong[]> dropped = new ConcurrentHashMap<>();
    /** Among how many ports without a reservation the host's capacity was last divided (0: not yet). */
    private volatile int sharing;

    /** The meter of {@code port}'s {@code direction} at {@code bitsPerSecond}: the one it has when the rate is the same, else a new one. */
    public Meter meter(String port, Direction direction, long bitsPerSecond) {
        Key key = new Key(port, direction);
        AtomicLong[] counts = dropped.computeIfAbsent(key, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
        return meters.compute(key, (k, m) -> m != null && m.bitsPerSecond() == bitsPerSecond ? m : new Meter(bitsPerSecond, counts[0], counts[1]));
    }

    /** Among how many ports without a reservation the host's capacity was last divided (0: not yet). */
    public int sharing() {
        return sharing;
    }

    public void sharing(int ports) {
        sharing = ports;
    }

    /**
     * The meter of {@code port}'s even part of the host's capacity, now at {@code bitsPerSecond}: the one it has, its rate
     * changed and what it was charged kept (every worker of the host sees the change), else a new one.
     */
    public Meter share(String port, long bitsPerSecond) {
        Key key = new Key(port, Direction.RESERVED);
        AtomicLong[] counts = dropped.computeIfAbsent(key, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
        return meters.compute(key, (k, m) -> {
            if (m == null) {
                return new Meter(bitsPerSecond, counts[0], counts[1]);
            }
            m.rate(bitsPerSecond);
            return m;
        });
    }

    /** Forgets the meter of {@code port}'s {@code direction} (its limit went); its counts stay. */
    public void remove(String port, Direction direction) {
        meters.remove(new Key(port, direction));
    }

    /** Dropped bytes and frames of every port that has had a limit: {@code port → direction → {bytes, packets}}. */
    public Map<String, Map<Direction, long[]>> dropped() {
        Map<String, Map<Direction, long[]>> all = new TreeMap<>();
        dropped.forEach((k, v) -> all.computeIfAbsent(k.port(), p -> new TreeMap<>()).put(k.direction(), new long[] {v[0].get(), v[1].get()}));
        return all;
    }
}

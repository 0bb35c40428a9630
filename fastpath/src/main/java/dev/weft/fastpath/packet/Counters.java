package dev.weft.fastpath.packet;

import java.util.EnumMap;
import java.util.Map;

/** Per-worker counters: packets in, forwarded by path, and drops by reason. Single writer, so plain longs. */
public final class Counters {

    private final long[] drops = new long[DropReason.values().length];
    public long received;
    public long switched;
    public long routed;
    public long encapsulated;
    public long decapsulated;
    public long arpReplies;
    public long flowHits;
    public long flowMisses;

    public void drop(int reason) {
        drops[reason]++;
    }

    public long drops(DropReason reason) {
        return drops[reason.ordinal()];
    }

    public long totalDrops() {
        long total = 0;
        for (long d : drops) {
            total += d;
        }
        return total;
    }

    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> map = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            if (drops[r.ordinal()] > 0) {
                map.put(r, drops[r.ordinal()]);
            }
        }
        return map;
    }
}

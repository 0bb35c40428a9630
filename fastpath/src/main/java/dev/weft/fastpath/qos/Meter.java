package dev.weft.fastpath.qos;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A rate limit for one direction of one port, by the generic cell rate algorithm (GCRA, the virtual-scheduling form of
 * a token bucket): one word holds the theoretical arrival time, which every frame sent moves on by its transmission time
 * at the rate; the port may send while that time is at most {@code tolerance} (one burst) ahead of now. Lock-free, so
 * every worker of a host can share it. It only measures: the worker shapes with it (it stops reading a VM that is over
 * its outbound limit, and queues, boundedly, frames for a VM over its inbound limit) and counts what it had to drop.
 */
public final class Meter {

    /** The burst: 5 ms at the rate, and never less than 16 kB. */
    static final long BURST_NANOS = 5_000_000L;
    static final long MIN_BURST_BYTES = 16 * 1024;

    /** The rate, its picoseconds per byte and its burst tolerance: one immutable value, so a new rate is taken whole. */
    private record Rate(long bitsPerSecond, long picosPerByte, long toleranceNanos) {
        static Rate of(long bitsPerSecond) {
            if (bitsPerSecond <= 0) {
                throw new IllegalArgumentException("rate must be positive: " + bitsPerSecond);
            }
            long picosPerByte = 8_000_000_000_000L / bitsPerSecond;
            long burstBytes = Math.max(MIN_BURST_BYTES, bitsPerSecond / 8 * BURST_NANOS / 1_000_000_000L);
            return new Rate(bitsPerSecond, picosPerByte, burstBytes * picosPerByte / 1000);
        }
    }

    private volatile Rate rate;
    private final AtomicLong tat = new AtomicLong(Long.MIN_VALUE / 2);
    public final AtomicLong droppedBytes;
    public final AtomicLong droppedPackets;

    Meter(long bitsPerSecond, AtomicLong droppedBytes, AtomicLong droppedPackets) {
        this.rate = Rate.of(bitsPerSecond);
        this.droppedBytes = droppedBytes;
        this.droppedPackets = droppedPackets;
    }

    public long bitsPerSecond() {
        return rate.bitsPerSecond();
    }

    /** Changes the rate, keeping what was charged (a share of a host's capacity that grows or shrinks with its sharers). */
    void rate(long bitsPerSecond) {
        if (bitsPerSecond != rate.bitsPerSecond()) {
            rate = Rate.of(bitsPerSecond);
        }
    }

    /** Nanoseconds from {@code now} until the port may send again: 0 or less when it may now. */
    public long waitNanos(long now) {
        return tat.get() - now - rate.toleranceNanos();
    }

    /** Records {@code bytes} sent at {@code now}. */
    public void charge(long now, int bytes) {
        long cost = bytes * rate.picosPerByte() / 1000;
        while (true) {
            long t = tat.get();
            if (tat.compareAndSet(t, Math.max(t, now) + cost)) {
                return;
            }
        }
    }

    /** Sends {@code bytes} at {@code now} if the port may send now (charging them); false, and nothing charged, when not. */
    public boolean tryTake(long now, int bytes) {
        Rate r = rate;
        long cost = bytes * r.picosPerByte() / 1000;
        while (true) {
            long t = tat.get();
            if (t - now > r.toleranceNanos()) {
                return false;
            }
            if (tat.compareAndSet(t, Math.max(t, now) + cost)) {
                return true;
            }
        }
    }

    /** Whether anything was charged to this meter at or after {@code since} (its theoretical arrival time is no older). */
    public boolean chargedSince(long since) {
        return tat.get() >= since;
    }

    /** Counts a frame of {@code bytes} dropped for the limit. */
    public void dropped(int bytes) {
        droppedBytes.addAndGet(bytes);
        droppedPackets.incrementAndGet();
    }

    /** The most bytes a queue in front of this meter holds: 50 ms at the rate, at least 64 kB. */
    public long queueBytes() {
        return Math.max(64 * 1024, bitsPerSecond() / 8 / 20);
    }
}

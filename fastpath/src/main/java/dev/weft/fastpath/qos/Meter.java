package dev.weft.fastpath.qos;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A rate limit for one direction of one port: a policer by the generic cell rate algorithm (GCRA, the virtual-scheduling
 * form of a token bucket). One word holds the theoretical arrival time; a frame is admitted when that time is at most
 * {@code tolerance} ahead of now, and moves it on by the frame's transmission time at the rate. Over the limit a frame is
 * dropped, never queued: TCP sees a loss and backs off. Lock-free (one compare-and-set per admitted frame), so every worker
 * can share it. Dropped frames and bytes are counted.
 */
public final class Meter {

    /** The burst a meter takes at full speed: 50 ms at the rate, and never less than 64 kB (TCP's bursts fit). */
    static final long BURST_NANOS = 50_000_000L;
    static final long MIN_BURST_BYTES = 64 * 1024;

    public final long bitsPerSecond;
    /** Picoseconds per byte at the rate. */
    private final long picosPerByte;
    private final long toleranceNanos;
    private final AtomicLong tat = new AtomicLong(Long.MIN_VALUE / 2);
    public final AtomicLong droppedBytes;
    public final AtomicLong droppedPackets;

    Meter(long bitsPerSecond, AtomicLong droppedBytes, AtomicLong droppedPackets) {
        if (bitsPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive: " + bitsPerSecond);
        }
        this.bitsPerSecond = bitsPerSecond;
        this.picosPerByte = 8_000_000_000_000L / bitsPerSecond;
        long burstBytes = Math.max(MIN_BURST_BYTES, bitsPerSecond / 8 * BURST_NANOS / 1_000_000_000L);
        this.toleranceNanos = burstBytes * picosPerByte / 1000;
        this.droppedBytes = droppedBytes;
        this.droppedPackets = droppedPackets;
    }

    /** Whether a frame of {@code bytes} arriving at {@code now} (nanoseconds) is within the rate; counts it when not. */
    public boolean admit(long now, int bytes) {
        long cost = bytes * picosPerByte / 1000;
        while (true) {
            long t = tat.get();
            if (t - now > toleranceNanos) {
                droppedBytes.addAndGet(bytes);
                droppedPackets.incrementAndGet();
                return false;
            }
            if (tat.compareAndSet(t, Math.max(t, now) + cost)) {
                return true;
            }
        }
    }
}

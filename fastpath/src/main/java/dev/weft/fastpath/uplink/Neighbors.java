package dev.weft.fastpath.uplink;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The uplink's link layer, shared by a host's workers: its own MAC, and the MACs of neighbours on the
 * logical network (the default gateway, other hosts' public addresses) learned from their ARP. An address
 * not yet known is asked for at most every {@link #RETRY_NANOS}. While it is asked for, packets to it wait here, as in a
 * kernel's neighbour table: up to {@link #HOLD_FRAMES} per address for {@link #HOLD_NANOS}, then sent by the first worker
 * that looks ({@link #release}) once the answer has come, or dropped and counted when none came.
 */
public final class Neighbors {

    public static final long RETRY_NANOS = 200_000_000L;
    /** How many packets wait for one address's answer; more are dropped ({@code NO_NEIGHBOR}). */
    public static final int HOLD_FRAMES = 16;
    /** How long they wait: the first question and four more, {@link #RETRY_NANOS} apart. */
    public static final long HOLD_NANOS = 1_000_000_000L;
    /** How many packets wait in all: a VM sweeping the uplink's subnet holds at most this many (about 1.5 MB). */
    public static final int HOLD_TOTAL = 1024;

    private volatile long ownMac;
    /** The last neighbour looked up and found: nearly every packet goes to the default gateway, read without a map lookup. */
    private volatile Entry last = new Entry(0, 0);

    private record Entry(int ip, long mac) {
    }

    private final ConcurrentHashMap<Integer, Long> macs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Long> asked = new ConcurrentHashMap<>();

    /** Packets waiting for {@code ip}'s MAC (their source MAC written, their destination not), since {@code since}; asked from {@code sender}. */
    private record Waiting(int ip, int sender, long since, java.util.List<byte[]> frames) {
    }

    /** Guarded by {@code this}; {@link #waitingCount} lets the workers look without the lock. */
    private final java.util.Map<Integer, Waiting> waiting = new java.util.HashMap<>();
    private volatile int waitingCount;
    /** Packets held while their next hop was asked for, sent once it answered, and dropped when it didn't in time. */
    private long held;
    private int heldNow;
    private long heldSent;
    private long heldExpired;

    /** The uplink device's MAC (0 while there is none). */
    public long ownMac() {
        return ownMac;
    }

    public void ownMac(long mac) {
        this.ownMac = mac;
    }

    /** The MAC of {@code ip}, or 0 when unknown. */
    public long mac(int ip) {
        Entry e = last;
        if (e.ip == ip && ip != 0) {
            return e.mac;
        }
        Long mac = macs.get(ip);
        if (mac == null) {
            return 0;
        }
        last = new Entry(ip, mac);
        return mac;
    }

    public void learn(int ip, long mac) {
        Long old = macs.put(ip, mac);
        last = new Entry(0, 0); // a changed MAC is read from the map from now on
        if (old == null || old != mac) {
            asked.remove(ip);
        }
    }

    /** Whether to send an ARP request for {@code ip} now: true at most once per {@link #RETRY_NANOS}. */
    public boolean ask(int ip, long now) {
        Long last = asked.get(ip);
        if (last != null && now - last < RETRY_NANOS) {
            return false;
        }
        if (asked.size() >= 4096) { // a VM sweeping a large uplink subnet: what was asked long enough ago is forgotten
            asked.values().removeIf(at -> now - at >= RETRY_NANOS);
        }
        asked.put(ip, now);
        return true;
    }

    /**
     * Keeps {@code frame} (complete, checksums done, its destination MAC to be written) until {@code ip} answers;
     * {@code sender} is the address the question for it is asked from. False when {@link #HOLD_FRAMES} already wait for it,
     * or {@link #HOLD_TOTAL} in all: the caller drops the frame.
     */
    public synchronized boolean hold(int ip, int sender, byte[] frame, long now) {
        Waiting w = waiting.get(ip);
        if (heldNow >= HOLD_TOTAL || w != null && w.frames.size() >= HOLD_FRAMES) {
            return false;
        }
        if (w == null) {
            w = new Waiting(ip, sender, now, new java.util.ArrayList<>());
            waiting.put(ip, w);
        }
        w.frames.add(frame);
        held++;
        heldNow++;
        waitingCount = waiting.size();
        return true;
    }

    /** Whether any packet waits for an answer (read without the lock). */
    public boolean anyWaiting() {
        return waitingCount > 0;
    }

    /** How many packets wait for {@code ip}'s answer. */
    public synchronized int holding(int ip) {
        Waiting w = waiting.get(ip);
        return w == null ? 0 : w.frames.size();
    }

    /** What is done with held packets when {@link #release} finds their neighbour answered, or still silent. */
    public interface Release {
        /** A held frame to send now, the neighbour's MAC written as its destination. */
        void send(byte[] frame);

        /** {@code ip} is still silent and due to be asked again, from {@code sender}. */
        void ask(int sender, int ip);
    }

    /**
     * Hands the packets whose neighbour has answered to {@code to} (their destination MAC written), asks again for those still
     * silent when {@link #RETRY_NANOS} has passed, and drops (and counts) those that have waited {@link #HOLD_NANOS}.
     */
    public void release(long now, Release to) {
        java.util.List<byte[]> ready = new java.util.ArrayList<>();
        java.util.List<int[]> questions = new java.util.ArrayList<>();
        synchronized (this) {
            for (java.util.Iterator<Waiting> it = waiting.values().iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                Long mac = macs.get(w.ip);
                if (mac != null) {
                    for (byte[] frame : w.frames) {
                        dev.weft.fastpath.packet.Bytes.mac(java.lang.foreign.MemorySegment.ofArray(frame), 0, mac);
                        ready.add(frame);
                    }
                    heldSent += w.frames.size();
                    heldNow -= w.frames.size();
                    it.remove();
                } else if (now - w.since >= HOLD_NANOS) {
                    heldExpired += w.frames.size();
                    heldNow -= w.frames.size();
                    it.remove();
                } else if (ask(w.ip, now)) {
                    questions.add(new int[] {w.sender, w.ip});
                }
            }
            waitingCount = waiting.size();
        }
        ready.forEach(to::send);
        questions.forEach(q -> to.ask(q[0], q[1]));
    }

    /** Packets held so far, sent after their neighbour answered, and dropped when it didn't within {@link #HOLD_NANOS}. */
    public synchronized long[] heldCounts() {
        return new long[] {held, heldSent, heldExpired};
    }

    /**
     * A copy of what is known now, to look things up in without changing this table: what {@code weft trace} asks
     * ({@link #ask}, {@link #hold}) leaves no mark on the host's real neighbours.
     */
    public Neighbors copy() {
        Neighbors c = new Neighbors();
        c.ownMac = ownMac;
        c.macs.putAll(macs);
        return c;
    }

    /** Forgets every neighbour (the uplink changed); packets waiting for one are dropped and counted. */
    public void clear() {
        last = new Entry(0, 0);
        macs.clear();
        asked.clear();
        synchronized (this) {
            waiting.values().forEach(w -> heldExpired += w.frames.size());
            waiting.clear();
            heldNow = 0;
            waitingCount = 0;
        }
    }

    public int size() {
        return macs.size();
    }
}

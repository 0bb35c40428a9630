package dev.weft.fastpath.security;

import dev.weft.fastpath.packet.TcpClose;

/**
 * Connection tracking of one worker: the flows a port's security layers allowed, so their replies pass
 * without a rule lookup. Keyed by (port id, direction, 5-tuple of the first packet), the port id being
 * stable while the port exists and never reused; bounded, open addressing with linear probing over a few
 * slots, the least recently seen entry of a full neighbourhood evicted. Entries expire when idle: a
 * sweep of {@value #SWEEP} slots per batch removes them even if their flow never comes back. A port at its
 * limit of entries makes room by evicting its least recently seen entry (among the next
 * {@value #EVICT_SCAN} slots of a rotating scan); the entries of a port that is gone are removed. TCP entries have a state: NEW until a reply passes (half-open: they expire
 * after {@code other}), then ESTABLISHED ({@code tcp}), then FIN_SEEN once a FIN was seen (at most {@link #FIN_TIMEOUT}, as
 * Linux's FIN_WAIT and TIME_WAIT: a half-closed connection may still carry data the other way), CLOSING once a RST was
 * seen ({@code closing});
 * UDP expires after {@code udp}, anything else after {@code other}. Every packet of a cached flow refreshes its entry. Each
 * entry remembers the table generation it was last checked under: after a rule change it is checked again
 * against the new rules the next time it is used, and removed if they deny it.
 */
public final class Conntrack {

    public static final int INBOUND = 0;
    public static final int OUTBOUND = 1;
    private static final int PROBE = 8;
    /** Slots checked for expired entries per batch. */
    static final int SWEEP = 64;
    /** Slots a port at its limit scans for its least recently seen entry. */
    static final int EVICT_SCAN = 4096;
    private int sweepCursor;
    private int evictCursor;

    private final int mask;
    private final int[] port;       // -1: empty
    private final int[] direction;
    private final int[] src;
    private final int[] dst;
    private final long[] protocolPorts;
    private final long[] generation;
    private final long[] lastSeen;   // nanoseconds
    public static final byte NEW = 0;
    public static final byte ESTABLISHED = 1;
    public static final byte CLOSING = 2;
    public static final byte FIN_SEEN = 3;
    /** How long a TCP flow that saw a FIN may idle (unless {@code tcp} is shorter): Linux conntrack's FIN_WAIT and TIME_WAIT. */
    public static final java.time.Duration FIN_TIMEOUT = java.time.Duration.ofNanos(TcpClose.FIN_HOLD);
    private final byte[] state;
    private final java.util.function.LongSupplier clock;
    /** The time of the current batch: the clock is read once per batch, not per packet. */
    private long now;
    private final long tcpTimeout;
    private final long closingTimeout;
    private final long udpTimeout;
    private final long otherTimeout;
    public long expired;
    /** Entries at most per port; a port's new flows beyond it are refused. */
    private final int perPortLimit;
    private int[] perPort = new int[64];
    /** What to remember about an entry until it ends (the audit record of a logged rule), or null. */
    private final Object[] note;
    private java.util.function.Consumer<Object> onEnd = n -> { };
    public long entries;
    public long evictions;

    /** Timeouts as in most firewalls: TCP 1 hour idle (2 minutes after a FIN, 10 s after a RST), UDP 60 s, ICMP and others 30 s. */
    public Conntrack(int capacity) {
        this(capacity, System::nanoTime, java.time.Duration.ofHours(1), java.time.Duration.ofNanos(TcpClose.RST_HOLD), java.time.Duration.ofSeconds(60),
                java.time.Duration.ofSeconds(30));
    }

    public Conntrack(int capacity, java.util.function.LongSupplier nanoClock, java.time.Duration tcp, java.time.Duration closing,
                     java.time.Duration udp, java.time.Duration other) {
        this(capacity, nanoClock, tcp, closing, udp, other, 16384);
    }

    public Conntrack(int capacity, java.util.function.LongSupplier nanoClock, java.time.Duration tcp, java.time.Duration closing,
                     java.time.Duration udp, java.time.Duration other, int perPortLimit) {
        this.perPortLimit = perPortLimit;
        this.clock = nanoClock;
        this.tcpTimeout = tcp.toNanos();
        this.closingTimeout = closing.toNanos();
        this.udpTimeout = udp.toNanos();
        this.otherTimeout = other.toNanos();
        int size = Integer.highestOneBit(Math.max(64, capacity - 1)) << 1;
        this.state = new byte[size];
        this.note = new Object[size];
        mask = size - 1;
        port = new int[size];
        java.util.Arrays.fill(port, -1);
        direction = new int[size];
        src = new int[size];
        dst = new int[size];
        protocolPorts = new long[size];
        generation = new long[size];
        lastSeen = new long[size];
    }

    private static long protocolPorts(int protocol, int srcPort, int dstPort) {
        return ((long) protocol << 32) | ((long) (srcPort & 0xffff) << 16) | (dstPort & 0xffff);
    }

    private static int hash(int p, int d, int s, int t, long pp) {
        int h = p * 0x9E3779B1 ^ d * 0x85EBCA77 ^ s * 0xC2B2AE3D ^ t * 0x27D4EB2F ^ (int) (pp ^ (pp >>> 32)) * 0x165667B1;
        return h ^ (h >>> 15);
    }

    /** The slot of the flow, or -1. */
    public int find(int p, int dir, int source, int dest, int protocol, int srcPort, int dstPort) {
        long pp = protocolPorts(protocol, srcPort, dstPort);
        int start = hash(p, dir, source, dest, pp) & mask;
        for (int k = 0; k < PROBE; k++) {
            int slot = (start + k) & mask;
            if (port[slot] == p && direction[slot] == dir && src[slot] == source && dst[slot] == dest && protocolPorts[slot] == pp) {
                if (now - lastSeen[slot] > timeout(slot)) {
                    remove(slot);
                    expired++;
                    return -1;
                }
                lastSeen[slot] = now;
                return slot;
            }
        }
        return -1;
    }

    /** Called with an entry's note when the entry ends: expired, evicted, or removed because the rules now deny it. */
    public void onEnd(java.util.function.Consumer<Object> consumer) {
        this.onEnd = consumer;
    }

    public void note(int slot, Object value) {
        note[slot] = value;
    }

    /** Entries of one port. */
    public int entries(int p) {
        return p < perPort.length ? perPort[p] : 0;
    }

    /** Tracks a flow; returns its slot, or -1 when the port already has its limit of entries. */
    public int add(int p, int dir, int source, int dest, int protocol, int srcPort, int dstPort, long tableGeneration) {
        if (p >= perPort.length) {
            perPort = java.util.Arrays.copyOf(perPort, Math.max(p + 1, perPort.length * 2));
        }
        if (perPort[p] >= perPortLimit && !evictOldest(p)) {
            return -1;
        }
        long pp = protocolPorts(protocol, srcPort, dstPort);
        int start = hash(p, dir, source, dest, pp) & mask;
        int victim = start;
        for (int k = 0; k < PROBE; k++) {
            int slot = (start + k) & mask;
            if (port[slot] == -1 || (port[slot] == p && direction[slot] == dir && src[slot] == source && dst[slot] == dest
                    && protocolPorts[slot] == pp)) {
                victim = slot;
                break;
            }
            if (lastSeen[slot] < lastSeen[victim]) {
                victim = slot;
            }
        }
        if (port[victim] != -1) {
            if (!(port[victim] == p && src[victim] == source && dst[victim] == dest)) {
                evictions++;
            }
            remove(victim);
        }
        entries++;
        perPort[p]++;
        port[victim] = p;
        direction[victim] = dir;
        src[victim] = source;
        dst[victim] = dest;
        protocolPorts[victim] = pp;
        generation[victim] = tableGeneration;
        state[victim] = NEW;
        lastSeen[victim] = now;
        return victim;
    }

    private long timeout(int slot) {
        int protocol = (int) (protocolPorts[slot] >>> 32);
        if (protocol == 6) {
            return switch (state[slot]) {
                case ESTABLISHED -> tcpTimeout;
                case FIN_SEEN -> Math.min(tcpTimeout, FIN_TIMEOUT.toNanos());
                case CLOSING -> closingTimeout;
                default -> otherTimeout; // half-open
            };
        }
        return protocol == 17 ? udpTimeout : otherTimeout;
    }

    /**
     * A packet of the entry's flow passed through the flow cache: refreshes it, and notes a TCP FIN or RST ({@link #closes}).
     * Returns false when the entry expired or is gone, so the packet must be decided again.
     */
    public boolean touch(int slot, int tcpFlags) {
        if (port[slot] == -1) {
            return false;
        }
        if (now - lastSeen[slot] > timeout(slot)) {
            remove(slot);
            expired++;
            return false;
        }
        lastSeen[slot] = now;
        if (TcpClose.ends(tcpFlags)) {
            state[slot] = closes(state[slot], tcpFlags);
        }
        return true;
    }

    /** The state a TCP flow in {@code state} goes to on a segment with {@code tcpFlags}: a RST closes it, a FIN begins to. */
    static byte closes(byte state, int tcpFlags) {
        return (tcpFlags & TcpClose.RST) != 0 ? CLOSING : (tcpFlags & TcpClose.FIN) != 0 && state != CLOSING ? FIN_SEEN : state;
    }

    /** A reply passed: the flow is established (unless it is already closing). */
    public void replied(int slot) {
        if (state[slot] == NEW) {
            state[slot] = ESTABLISHED;
        }
    }

    public byte state(int slot) {
        return state[slot];
    }

    /** Reads the clock and sweeps a few slots for expired entries: call once per batch, before its packets use the table. */
    public void tick() {
        now = clock.getAsLong();
        for (int k = 0; k < SWEEP; k++) {
            int slot = sweepCursor++ & mask;
            expireIfIdle(slot);
        }
    }

    private boolean expireIfIdle(int slot) {
        if (port[slot] != -1 && now - lastSeen[slot] > timeout(slot)) {
            remove(slot);
            expired++;
            return true;
        }
        return false;
    }

    /**
     * Makes room for port {@code p}: removes expired entries and then, if it is still at its limit, its
     * least recently seen entry, scanning {@link #EVICT_SCAN} slots at a time. False if it has none (cannot happen
     * while it is at its limit, but the caller refuses the flow then).
     */
    private boolean evictOldest(int p) {
        for (int scanned = 0; scanned <= mask; scanned += EVICT_SCAN) {
            int oldest = -1;
            for (int k = 0; k < EVICT_SCAN && k <= mask; k++) {
                int slot = evictCursor++ & mask;
                if (expireIfIdle(slot)) {
                    continue;
                }
                if (port[slot] == p && (oldest < 0 || lastSeen[slot] < lastSeen[oldest])) {
                    oldest = slot;
                }
            }
            if (perPort[p] < perPortLimit) {
                return true;
            }
            if (oldest >= 0) {
                remove(oldest);
                evictions++;
                return true;
            }
        }
        return false;
    }

    /** Removes the entries of every port not in {@code live} (port ids): ports that are gone take their flows with them. */
    public void retainPorts(java.util.BitSet live) {
        for (int slot = 0; slot <= mask; slot++) {
            if (port[slot] != -1 && !live.get(port[slot])) {
                remove(slot);
            }
        }
    }

    public long generation(int slot) {
        return generation[slot];
    }

    public void checked(int slot, long tableGeneration) {
        generation[slot] = tableGeneration;
    }

    public void remove(int slot) {
        if (port[slot] == -1) {
            return;
        }
        if (port[slot] < perPort.length) {
            perPort[port[slot]]--;
        }
        port[slot] = -1;
        entries--;
        if (note[slot] != null) {
            Object ended = note[slot];
            note[slot] = null;
            onEnd.accept(ended);
        }
    }
}

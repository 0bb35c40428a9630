package dev.weft.fastpath.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Up to {@link #CAPACITY} frames in one off-heap segment of fixed-size slots, each with headroom in
 * front so encapsulation prepends headers without moving the payload, and per-packet metadata in
 * structure-of-arrays form so a stage loops over plain int arrays (and the Vector API can work across
 * packets).
 */
public final class PacketBatch implements AutoCloseable {

    public static final int CAPACITY = 256;
    /** Room in front of every frame for an outer Ethernet + IPv4 + UDP + VXLAN header (50 bytes). */
    public static final int HEADROOM = 64;
    public static final int SLOT = 2048;
    public static final int MAX_FRAME = SLOT - HEADROOM;

    private final Arena arena;
    private final MemorySegment memory;
    private int count;

    /** Frame start (absolute offset in {@link #memory()}) and length. */
    public final int[] start = new int[CAPACITY];
    public final int[] length = new int[CAPACITY];
    /**
     * Where the frame came from: a local port index; {@link #UNDERLAY} for a VXLAN datagram's payload
     * (the frame starts at the VXLAN header, the sender is in {@link #underlaySource}); {@link #UNDERLAY_GRE}
     * for an NVGRE packet as a raw socket reads it (the frame starts at the outer IPv4 header); {@link #UPLINK}
     * for an Ethernet frame from the uplink.
     */
    public final int[] inPort = new int[CAPACITY];
    /** The provider address an underlay frame came from. */
    public final int[] underlaySource = new int[CAPACITY];
    /** Parse results (offsets relative to {@link #start}); valid when {@link #kind} isn't DROP. */
    public final int[] kind = new int[CAPACITY];
    public final int[] l3 = new int[CAPACITY];
    public final int[] l4 = new int[CAPACITY];
    public final int[] protocol = new int[CAPACITY];
    public final int[] srcIp = new int[CAPACITY];
    public final int[] dstIp = new int[CAPACITY];
    public final int[] srcPort = new int[CAPACITY];
    public final int[] dstPort = new int[CAPACITY];
    public final int[] flags = new int[CAPACITY];
    public final int[] vni = new int[CAPACITY];
    public final int[] hash = new int[CAPACITY];
    /** Verdict: {@link #DROP}, {@link #TO_PORT} (outPort), {@link #TO_UNDERLAY} (outAddress), {@link #TO_UPLINK}; reason when dropped. */
    public final int[] verdict = new int[CAPACITY];
    public final int[] outPort = new int[CAPACITY];
    public final int[] outAddress = new int[CAPACITY];
    public final int[] reason = new int[CAPACITY];
    /** The forwarding decision on the way through the graph: {@code DELIVER}, {@code ENCAP}, {@code ROUTE} flags (see FlowCache). */
    public final int[] action = new int[CAPACITY];
    /** How an encapsulated frame crosses the underlay: {@code ForwardingTables.VXLAN} or {@code NVGRE}. */
    public final int[] encap = new int[CAPACITY];
    /** The destination MAC a routed frame is rewritten to. */
    public final long[] nextHopMac = new long[CAPACITY];
    /** The connection-tracking entry that admitted the packet's flow, or -1 when no security layer applies. */
    public final int[] admittedBy = new int[CAPACITY];
    /** For a flow leaving by the uplink ({@code UPLINK} action): the source address and port it leaves with. */
    public final int[] natAddress = new int[CAPACITY];
    public final int[] natPort = new int[CAPACITY];
    /** The NAT session (see {@code NatSessions}) the flow's translation belongs to, or -1; and the session's stamp. */
    public final int[] natSession = new int[CAPACITY];
    public final int[] natStamp = new int[CAPACITY];

    public static final int UNDERLAY = -1;
    public static final int UNDERLAY_GRE = -2;
    /** A frame read from the host's uplink (a logical network such as the internet). */
    public static final int UPLINK = -3;
    /** A mirrored copy (see {@code mirror.Mirrors}). */
    public static final int MIRROR = -4;
    public static final int DROP = 0;
    public static final int TO_PORT = 1;
    public static final int TO_UNDERLAY = 2;
    public static final int TO_UPLINK = 3;

    public PacketBatch() {
        this(Arena.ofShared(), true);
    }

    private final boolean closeable;

    private PacketBatch(Arena arena, boolean closeable) {
        this.arena = arena;
        this.closeable = closeable;
        this.memory = arena.allocate((long) CAPACITY * SLOT, 64);
    }

    /** A batch whose memory the garbage collector frees once it is unreachable ({@link #close()} does nothing). */
    public static PacketBatch collectable() {
        return new PacketBatch(Arena.ofAuto(), false);
    }

    public MemorySegment memory() {
        return memory;
    }

    public int count() {
        return count;
    }

    public void clear() {
        count = 0;
    }

    /** Copies a frame into the next slot; returns its index, or -1 when the batch is full or the frame too large. */
    public int add(byte[] frame, int inPort) {
        return add(MemorySegment.ofArray(frame), frame.length, inPort);
    }

    public int add(MemorySegment frame, int frameLength, int port) {
        if (count == CAPACITY || frameLength > MAX_FRAME || frameLength < 0) {
            return -1;
        }
        MemorySegment.copy(frame, 0, memory, (long) count * SLOT + HEADROOM, frameLength);
        return commit(frameLength, port);
    }

    /** Where the next frame's bytes go when a device reads straight into the batch: its slot after the headroom. */
    public MemorySegment nextSlot() {
        return memory.asSlice((long) count * SLOT + HEADROOM, MAX_FRAME);
    }

    /** Takes the frame a device just read into {@link #nextSlot()}; returns its index. */
    public int commit(int frameLength, int port) {
        int i = count++;
        start[i] = i * SLOT + HEADROOM;
        length[i] = frameLength;
        inPort[i] = port;
        verdict[i] = DROP;
        reason[i] = 0;
        flags[i] = 0;
        vni[i] = 0;
        underlaySource[i] = 0;
        return i;
    }

    public boolean full() {
        return count == CAPACITY;
    }

    /** The frame's current bytes (after any rewrite or encapsulation). */
    public byte[] frame(int i) {
        return memory.asSlice(start[i], length[i]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** The offset of a slot's first byte, to bound how far a frame may grow to the front. */
    public int slotBase(int i) {
        return i * SLOT;
    }

    @Override
    public void close() {
        if (closeable) {
            arena.close();
        }
    }
}

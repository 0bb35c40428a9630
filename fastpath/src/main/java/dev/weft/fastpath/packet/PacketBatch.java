package dev.weft.fastpath.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Up to {@link #CAPACITY} frames in one off-heap segment of fixed-size slots, each with headroom in
 * front so encapsulation prepends headers without moving the payload, and per-packet metadata in
 * structure-of-arrays form so a stage loops over plain int arrays (and the Vector API can work across
 * packets).
 * <p>
 * A frame may be <em>split</em> (VPP's chained buffer, the kernel's paged skb): its headers in the slot and the rest of it,
 * its {@link #tail}, where it was read — in a guest's memory, or in one of the batch's {@link #buffer() buffers} a device read
 * 64 kB into — so the bytes are not copied into the slot. What a tail refers to stays valid until {@link #clear()}: the
 * devices that make tails keep it so. Only the TCP segments of offloaded frames are split, with all their headers in the
 * slot; a node that reads or rewrites a frame past its headers is {@link dev.weft.fastpath.graph.Node#linear() linear}
 * and gets it whole in the slot ({@link #linearize}), and every output writes a split frame as its two parts.
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

    /** Frame start (absolute offset in {@link #memory()}) and length: the whole frame's, its tail included. */
    public final int[] start = new int[CAPACITY];
    public final int[] length = new int[CAPACITY];
    /** The end of a split frame, where it was read (null: the frame is all in its slot); its first {@code length - tail.byteSize()} bytes are in the slot. */
    public final MemorySegment[] tail = new MemorySegment[CAPACITY];
    /**
     * Whether the frame's TCP checksum is still to be computed (checksum offload, the kernel's {@code CHECKSUM_PARTIAL}): a
     * segment cut from a VM's 64 kB frame, whose checksum field holds anything until {@link #completeChecksum} writes it
     * from the frame's headers as they are by then. Outputs that coalesce a run for a VM with segmentation offload never
     * compute it (the VM is told the checksum is partial); every other way out completes it first. {@link #l3} and
     * {@link #l4} locate the headers.
     */
    public final boolean[] checksumPending = new boolean[CAPACITY];
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

    /** Empties the batch; the tails its frames had and the {@link #buffer() buffers} it handed out may be reused from now on. */
    public void clear() {
        count = 0;
        buffersUsed = 0;
    }

    /** Buffers of {@link #BUFFER} bytes a device may read into for one batch, so frames can refer to them ({@link #tail}). */
    public static final int BUFFERS = 8;
    public static final int BUFFER = 65536 + 128;
    private MemorySegment buffers;
    private int buffersUsed;

    /**
     * A buffer of {@link #BUFFER} bytes that stays this batch's until {@link #clear()}: a device reads into it and the frames
     * it adds refer to it. Null when all {@link #BUFFERS} are in use: the device reads into its own and copies.
     */
    public MemorySegment buffer() {
        if (buffersUsed == BUFFERS) {
            return null;
        }
        if (buffers == null) { // most batches (mirrors, traces, tests) never need them
            buffers = arena.allocate((long) BUFFERS * BUFFER, 64);
        }
        return buffers.asSlice((long) BUFFER * buffersUsed++, BUFFER);
    }

    /** Gives back the last buffer {@link #buffer()} handed out, when no frame came to refer to it. */
    public void unbuffer() {
        buffersUsed--;
    }

    /** The bytes of frame {@code i} in its slot: all of them unless it is split. */
    public int inline(int i) {
        MemorySegment t = tail[i];
        return t == null ? length[i] : length[i] - (int) t.byteSize();
    }

    /**
     * Makes frame {@code i} a plain frame, as a device without offloads would have read it: whole in its slot (its tail
     * copied behind its headers; a split frame always fits its slot) and its checksum complete.
     */
    public void linearize(int i) {
        MemorySegment t = tail[i];
        if (t != null) {
            MemorySegment.copy(t, 0, memory, start[i] + inline(i), t.byteSize());
            tail[i] = null;
        }
        completeChecksum(i);
    }

    /** Computes the TCP checksum of frame {@code i} if it is {@link #checksumPending}: over the pseudo-header, the headers in the slot and the rest, wherever it is. */
    public void completeChecksum(int i) {
        if (!checksumPending[i]) {
            return;
        }
        checksumPending[i] = false;
        if (l3[i] < 14 || l4[i] < l3[i] + 20 || l4[i] + 20 > inline(i)) {
            return; // not where the segmenter left the headers: nothing to compute it from
        }
        long ip = start[i] + l3[i];
        long tcp = start[i] + l4[i];
        int tcpLength = length[i] - l4[i];
        int inTcp = inline(i) - l4[i];
        Bytes.u16(memory, tcp + 16, 0);
        long sum = Bytes.u16(memory, ip + 12) + Bytes.u16(memory, ip + 14) + Bytes.u16(memory, ip + 16) + Bytes.u16(memory, ip + 18)
                + 6 + tcpLength + Checksum.sumVector(memory, tcp, inTcp); // the slot's part is whole words: the TCP header, or all of it
        if (tail[i] != null) {
            sum += Checksum.sumVector(tail[i], 0, (int) tail[i].byteSize());
        }
        Bytes.u16(memory, tcp + 16, Checksum.finish(sum));
    }

    /** Copies frame {@code i}, both its parts, to {@code to} at {@code at}. */
    public void copyFrame(int i, MemorySegment to, long at) {
        int inline = inline(i);
        MemorySegment.copy(memory, start[i], to, at, inline);
        if (tail[i] != null) {
            MemorySegment.copy(tail[i], 0, to, at + inline, tail[i].byteSize());
        }
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
        return commit(frameLength, null, port);
    }

    /**
     * Takes the frame whose first {@code headLength} bytes a device just wrote into {@link #nextSlot()} and whose rest is
     * {@code tail} (null: none), which stays valid until {@link #clear()}; returns its index. The whole frame fits a slot.
     */
    public int commit(int headLength, MemorySegment tail, int port) {
        int i = count++;
        start[i] = i * SLOT + HEADROOM;
        length[i] = tail == null ? headLength : headLength + (int) tail.byteSize();
        this.tail[i] = tail;
        checksumPending[i] = false;
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

    /** The frame's current bytes (after any rewrite or encapsulation), both parts of a split one, its checksum complete. */
    public byte[] frame(int i) {
        completeChecksum(i);
        byte[] frame = new byte[length[i]];
        copyFrame(i, MemorySegment.ofArray(frame), 0);
        return frame;
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

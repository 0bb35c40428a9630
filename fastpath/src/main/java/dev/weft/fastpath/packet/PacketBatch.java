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
     * A segmentation-offload frame (the kernel's GSO skb: TCP, or UDP's datagrams of one send), the segment size its payload
     * is to be cut at, 0 for a plain frame. A VM's 64 kB frame goes through the graph as one such frame, split (its
     * Ethernet, IPv4 and TCP or UDP headers in the slot, its payload the {@link #tail}) and up to {@link #MAX_GSO_FRAME}
     * long; it is cut into segments
     * ({@link #cut}) only where it must leave as them: before a {@link dev.weft.fastpath.graph.Node#linear() linear} node,
     * for a mirror's copy, and at outputs that can't take it whole. Its checksum stays pending until then. The slots its
     * segments will take are reserved when it is added ({@link #room()}).
     */
    public final int[] gsoSize = new int[CAPACITY];
    /** The longest {@link #gsoSize GSO} frame: with VXLAN's 8 bytes and the outer UDP and IPv4 headers, 64 kB of IPv4. */
    public static final int MAX_GSO_FRAME = 65535 - 20 - 8 - 8;
    /**
     * Where the frame came from: a local port index; {@link #UNDERLAY} for a VXLAN datagram's payload
     * (the frame starts at the VXLAN header, the sender is in {@link #underlaySource}); {@link #UNDERLAY_GRE}
     * for an NVGRE packet as a raw socket reads it (the frame starts at the outer IPv4 header); {@link #UPLINK}
     * for an Ethernet frame from the uplink.
     */
    public final int[] inPort = new int[CAPACITY];
    /** The provider address an underlay frame came from; for an uplink frame, {@link #TURNED_BACK} or 0. */
    public final int[] underlaySource = new int[CAPACITY];
    /** {@link #underlaySource} of an uplink frame this host sent to itself ({@link #HAIRPIN}), not one the uplink received. */
    public static final int TURNED_BACK = -1;
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
    /**
     * Verdict: {@link #DROP}, {@link #TO_PORT} (outPort), {@link #TO_UNDERLAY} (outAddress), {@link #TO_UPLINK}, {@link #HAIRPIN};
     * reason when dropped.
     */
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
    /** For the uplink but to a public address of this host: it comes back in as if the uplink had received it. */
    public static final int HAIRPIN = 4;

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
        reserved = 0;
        buffersUsed = 0;
    }

    /** Slots held for the segments of the batch's {@link #gsoSize GSO} frames, should they be cut. */
    private int reserved;

    /** Frames that can still be added: the free slots less those held for cutting GSO frames. */
    public int room() {
        return CAPACITY - count - reserved;
    }

    /** Buffers of {@link #BUFFER} bytes a device may read into for one batch, so frames can refer to them ({@link #tail}). */
    public static final int BUFFERS = 8;
    public static final int BUFFER = 65536 + 128;
    /** The buffers, each a slice made once. */
    private MemorySegment[] buffers;
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
            MemorySegment all = arena.allocate((long) BUFFERS * BUFFER, 64);
            buffers = java.util.stream.IntStream.range(0, BUFFERS).mapToObj(k -> all.asSlice((long) BUFFER * k, BUFFER)).toArray(MemorySegment[]::new);
        }
        return buffers[buffersUsed++];
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
        if (gsoSize[i] > 0) {
            throw new IllegalStateException("a GSO frame is cut, not linearized");
        }
        MemorySegment t = tail[i];
        if (t != null) {
            MemorySegment.copy(t, 0, memory, start[i] + inline(i), t.byteSize());
            tail[i] = null;
        }
        completeChecksum(i);
    }

    /**
     * Computes the TCP checksum of frame {@code i} if it is {@link #checksumPending}: over the pseudo-header, the headers in
     * the slot and the rest, wherever it is. A {@link #gsoSize GSO} frame's is its segments' to compute, when it is cut.
     */
    public void completeChecksum(int i) {
        if (!checksumPending[i] || gsoSize[i] > 0) {
            return;
        }
        checksumPending[i] = false;
        if (l3[i] < 14 || l4[i] < l3[i] + 20 || l4[i] + 20 > inline(i)) {
            return; // not where the segmenter left the headers: nothing to compute it from
        }
        tcpChecksum(memory, start[i] + l3[i], start[i] + l4[i], inline(i) - l4[i], tail[i], length[i] - l4[i]);
    }

    /**
     * Writes the TCP checksum of the segment whose IPv4 header is at {@code m[ip]} and TCP header at {@code m[tcp]}: its
     * first {@code inSlot} TCP bytes there (whole words: the header, or all of it), the rest {@code rest} (null: none),
     * {@code tcpLength} in all.
     */
    static void tcpChecksum(MemorySegment m, long ip, long tcp, int inSlot, MemorySegment rest, int tcpLength) {
        Bytes.u16(m, tcp + 16, 0);
        long sum = TcpSegments.pseudoHeader(m, ip, tcpLength) + Checksum.sumVector(m, tcp, inSlot);
        if (rest != null) {
            sum += Checksum.sumVector(rest, 0, (int) rest.byteSize());
        }
        Bytes.u16(m, tcp + 16, Checksum.finish(sum));
    }

    /**
     * Adds a {@link #gsoSize GSO} frame: its {@code headers} bytes of Ethernet, IPv4 and TCP (or UDP) headers a device just
     * wrote into {@link #nextSlot()} (IPv4 at {@code l3}, TCP or UDP at {@code l4}), its payload {@code payload}, which stays valid until
     * {@link #clear()}, to be cut at {@code mss}. Reserves the slots its segments need; returns its index, or -1 when the
     * batch hasn't room for them (the device cuts it itself).
     */
    public int commitGso(int headers, MemorySegment payload, int mss, int l3, int l4, int port) {
        int segments = (int) ((payload.byteSize() + mss - 1) / mss);
        if (room() < segments + 1 || headers + payload.byteSize() > MAX_GSO_FRAME || headers + mss > MAX_FRAME) {
            return -1;
        }
        int i = commit(headers, payload, port);
        reserved += segments;
        gsoSize[i] = mss;
        this.l3[i] = l3;
        this.l4[i] = l4;
        checksumPending[i] = true;
        return i;
    }

    /**
     * Whether frame {@code i}'s IPv4 header (at {@link #l3}, behind {@code skip} bytes of encapsulation) says UDP: read from the
     * frame, not {@link #protocol}, which only the parser sets.
     */
    public boolean udp(int i, int skip) {
        return Bytes.u8(memory, start[i] + skip + l3[i] + 9) == Parser.UDP;
    }

    /** The segments {@link #gsoSize GSO} frame {@code i} is cut into (1 for a plain frame). */
    public int segments(int i) {
        int mss = gsoSize[i];
        return mss <= 0 ? 1 : (int) ((tail[i].byteSize() + mss - 1) / mss);
    }

    /**
     * Cuts {@link #gsoSize GSO} frame {@code i} into its {@link #segments} in the slots reserved for them, from the returned
     * index on, in order: each a split frame, its headers (the first {@code skip} bytes of the slot, an encapsulation, then
     * the TCP frame's, with its own IPv4 length, identification and checksum, sequence number and flags; or a UDP frame's,
     * with its own IPv4 length, identification and checksum and UDP length) in its slot and its payload a piece of frame
     * {@code i}'s, with frame {@code i}'s metadata. Their TCP checksums stay pending when {@code skip} is 0, else are
     * computed; a datagram's UDP checksum is always computed. Frame {@code i} is dropped (verdict {@link #DROP}, no reason): its segments take
     * its place.
     */
    public int cut(int i, int skip) {
        int mss = gsoSize[i];
        int n = segments(i);
        int headers = inline(i) - skip;
        int l3 = this.l3[i];
        int l4 = this.l4[i];
        long f = start[i] + skip;
        boolean udp = udp(i, skip);
        int id = Bytes.u16(memory, f + l3 + 4);
        int seq = udp ? 0 : Bytes.u32(memory, f + l4 + 4);
        int tcpFlags = udp ? 0 : Bytes.u8(memory, f + l4 + 13);
        MemorySegment payload = tail[i];
        int total = (int) payload.byteSize();
        reserved -= n;
        int first = count;
        for (int k = 0; k < n; k++) {
            int size = Math.min(mss, total - k * mss);
            MemorySegment out = nextSlot();
            MemorySegment.copy(memory, start[i], out, 0, skip + headers);
            MemorySegment piece = payload.asSlice((long) k * mss, size);
            if (udp) {
                UdpSegments.headers(out, skip, l3, l4, k, size, id);
            } else {
                TcpSegments.headers(out, skip, l3, l4, headers, k, n, mss, size, id, seq, tcpFlags);
            }
            int j = commit(skip + headers, piece, inPort[i]);
            copyMetadata(i, j);
            if (udp) { // a datagram's checksum is always written: only TCP's may stay pending
                UdpSegments.checksum(memory, start[j] + skip + l3, start[j] + skip + l4, headers - l4, piece);
            } else if (skip == 0) {
                checksumPending[j] = true;
            } else {
                tcpChecksum(memory, start[j] + skip + l3, start[j] + skip + l4, headers - l4, piece, headers - l4 + size);
            }
        }
        verdict[i] = DROP;
        reason[i] = 0;
        return first;
    }

    /**
     * Writes segment {@code k} of {@link #gsoSize GSO} frame {@code i}, whole, as it would leave (its checksums complete), to
     * {@code to} at {@code at}; returns its length. Frame {@code i} stays as it is.
     */
    public int copySegment(int i, int k, MemorySegment to, long at) {
        int mss = gsoSize[i];
        int headers = inline(i);
        int size = Math.min(mss, (int) tail[i].byteSize() - k * mss);
        long f = start[i];
        MemorySegment.copy(memory, f, to, at, headers);
        MemorySegment.copy(tail[i], (long) k * mss, to, at + headers, size);
        if (udp(i, 0)) {
            UdpSegments.headers(to, at, l3[i], l4[i], k, size, Bytes.u16(memory, f + l3[i] + 4));
            UdpSegments.checksum(to, at + l3[i], at + l4[i], headers - l4[i] + size, null);
            return headers + size;
        }
        TcpSegments.headers(to, at, l3[i], l4[i], headers, k, segments(i), mss, size, Bytes.u16(memory, f + l3[i] + 4),
                Bytes.u32(memory, f + l4[i] + 4), Bytes.u8(memory, f + l4[i] + 13));
        tcpChecksum(to, at + l3[i], at + l4[i], headers - l4[i] + size, null, headers - l4[i] + size);
        return headers + size;
    }

    /** Frame {@code from}'s metadata (all but where it is, its length and checksum state) onto frame {@code to}: every per-frame column but those. */
    private void copyMetadata(int from, int to) {
        underlaySource[to] = underlaySource[from];
        kind[to] = kind[from];
        l3[to] = l3[from];
        l4[to] = l4[from];
        protocol[to] = protocol[from];
        srcIp[to] = srcIp[from];
        dstIp[to] = dstIp[from];
        srcPort[to] = srcPort[from];
        dstPort[to] = dstPort[from];
        flags[to] = flags[from];
        vni[to] = vni[from];
        hash[to] = hash[from];
        verdict[to] = verdict[from];
        outPort[to] = outPort[from];
        outAddress[to] = outAddress[from];
        reason[to] = reason[from];
        action[to] = action[from];
        encap[to] = encap[from];
        nextHopMac[to] = nextHopMac[from];
        admittedBy[to] = admittedBy[from];
        natAddress[to] = natAddress[from];
        natPort[to] = natPort[from];
        natSession[to] = natSession[from];
        natStamp[to] = natStamp[from];
    }

    /** Makes frame {@code i} its first {@code length} bytes, all in its slot: its tail, segment size and pending checksum go (a frame rewritten into another, such as an ARP request). */
    public void truncate(int i, int length) {
        tail[i] = null;
        gsoSize[i] = 0;
        checksumPending[i] = false;
        this.length[i] = length;
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
        if (full() || frameLength > MAX_FRAME || frameLength < 0) {
            return -1;
        }
        MemorySegment.copy(frame, 0, memory, (long) count * SLOT + HEADROOM, frameLength);
        return commit(frameLength, port);
    }

    /** Where the next frame's bytes go when a device reads straight into the batch: its slot after the headroom. */
    public MemorySegment nextSlot() {
        return memory.asSlice(nextSlotAt(), MAX_FRAME);
    }

    /** The offset in {@link #memory()} of {@link #nextSlot()}, for a copy into it without a slice. */
    public long nextSlotAt() {
        return (long) count * SLOT + HEADROOM;
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
        gsoSize[i] = 0;
        inPort[i] = port;
        verdict[i] = DROP;
        reason[i] = 0;
        flags[i] = 0;
        vni[i] = 0;
        underlaySource[i] = 0;
        return i;
    }

    public boolean full() {
        return room() <= 0;
    }

    /** The frame's current bytes (after any rewrite or encapsulation), both parts of a split one, its checksum complete. */
    public byte[] frame(int i) {
        completeChecksum(i);
        byte[] frame = new byte[length[i]];
        copyFrame(i, MemorySegment.ofArray(frame), 0);
        return frame;
    }

    /**
     * Adds frame {@code i} of {@code from} (a {@link #HAIRPIN}: a plain frame, its checksums completed here) as an uplink frame
     * this host turned back to itself ({@link #TURNED_BACK}); returns its index, or -1 when the batch is full.
     */
    public int addTurnedBack(PacketBatch from, int i) {
        if (full()) {
            return -1;
        }
        from.completeChecksum(i);
        from.copyFrame(i, nextSlot(), 0);
        int j = commit(from.length[i], UPLINK);
        underlaySource[j] = TURNED_BACK;
        return j;
    }

    /** Frame {@code i}'s TCP flags (FIN 0x01, SYN 0x02, RST 0x04, ...), or 0 when it isn't a parsed TCP segment. */
    public int tcpFlags(int i) {
        return protocol[i] == Parser.TCP && l4[i] > 0 && l4[i] + 14 <= inline(i) ? Bytes.u8(memory, start[i] + l4[i] + 13) : 0;
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

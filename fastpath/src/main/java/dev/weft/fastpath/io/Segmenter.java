package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.packet.TcpSegments;
import dev.weft.fastpath.packet.UdpSegments;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Frames a VM hands its TAP device with a virtio-net header (IFF_VNET_HDR): completes partial checksums
 * (checksum offload); takes TCP and UDP segmentation-offload frames of up to 64 kB whole, as one
 * {@link PacketBatch#gsoSize GSO} frame, where their payload can stay where it was read, else cuts them into MSS-sized
 * segments (each with its own IPv4 length, identification and checksum, TCP sequence number and flags) or datagrams,
 * straight into the batch's slots. A segment's TCP checksum is left to compute where it leaves ({@link PacketBatch#checksumPending}):
 * a run of segments that reaches a VM as one offloaded frame never needs it. Malformed headers drop the frame (counted by
 * the caller).
 */
public final class Segmenter {

    /** What {@link #add} returns for a plain frame longer than a slot ({@link PacketBatch#MAX_FRAME}): a VM whose MTU is above the one DHCP gives. */
    public static final int TOO_LONG = -2;

    public static final int VNET_HEADER = 10;
    /** Batch slots a reader keeps free before it reads an offloaded frame: the segments of up to 64 kB of TCP. */
    public static final int MAX_SEGMENTS = 48;
    private static final int NEEDS_CSUM = 1;
    private static final int GSO_NONE = 0;
    private static final int GSO_TCPV4 = 1;
    private static final int GSO_UDP_L4 = 5;
    /**
     * The most datagrams in a UDP segmentation-offload frame a reader takes (Linux's {@code UDP_MAX_SEGMENTS}, so every USO
     * frame a VM's kernel makes): a reader of a device that hands over USO frames keeps this many slots free.
     */
    public static final int MAX_DATAGRAMS = 128;
    private static final int GSO_ECN = 0x80;

    private Segmenter() {
    }

    private static int le16(MemorySegment m, long at) {
        return (m.get(ValueLayout.JAVA_BYTE, at) & 0xff) | (m.get(ValueLayout.JAVA_BYTE, at + 1) & 0xff) << 8;
    }

    /** Where a frame's bytes are read from: copies {@code n} bytes from offset {@code from} of the frame into {@code to} at {@code at}. */
    @FunctionalInterface
    public interface FrameBytes {
        void copy(long from, MemorySegment to, long at, long n);

        /**
         * The frame's bytes {@code [from, from + n)} where they are, in one piece that stays valid until the batch is
         * cleared, for a segment to refer to ({@link PacketBatch#tail}); null when they aren't (the segment gets a copy).
         */
        default MemorySegment slice(long from, long n) {
            return null;
        }
    }

    /** The most header bytes (Ethernet, IPv4 and TCP with options) a frame's parsing needs: 18 + 60 + 60. */
    public static final int MAX_HEADERS = 138;

    /**
     * Adds the frame in {@code buffer} (virtio-net header first, {@code length} bytes in all) to the batch
     * from {@code port}, copied; returns the frames added, -1 when the frame is malformed or {@link #TOO_LONG}.
     */
    public static int add(MemorySegment buffer, int length, PacketBatch batch, int port) {
        return add(buffer, length, false, batch, port);
    }

    /**
     * Adds the frame in {@code buffer} (virtio-net header first, {@code length} bytes in all) to the batch
     * from {@code port}; returns the frames added, -1 when the frame is malformed or {@link #TOO_LONG}. The segments are copied out of
     * {@code buffer}, or refer to it when {@code keep} (it stays as it is until the batch is cleared).
     */
    public static int add(MemorySegment buffer, int length, boolean keep, PacketBatch batch, int port) {
        if (length >= VNET_HEADER + 14 && plain(buffer, length)) {
            return addPlain(buffer, length - VNET_HEADER, batch, port); // most frames: copied once, nothing allocated
        }
        return add(buffer, length, length - VNET_HEADER, new FrameBytes() {
            @Override
            public void copy(long from, MemorySegment to, long at, long n) {
                MemorySegment.copy(buffer, VNET_HEADER + from, to, at, n);
            }

            @Override
            public MemorySegment slice(long from, long n) {
                return keep ? buffer.asSlice(VNET_HEADER + from, n) : null;
            }
        }, batch, port);
    }

    /**
     * Adds a frame of {@code frameLength} bytes whose virtio-net header and first bytes are in {@code head}
     * ({@code headLength} bytes in all: the whole frame, or at least {@link #MAX_HEADERS} of it) and whose bytes are read
     * from {@code bytes}, straight into the batch's slots: a frame in guest memory is read once, not gathered first.
     */
    public static int add(MemorySegment head, int headLength, int frameLength, FrameBytes bytes, PacketBatch batch, int port) {
        if (frameLength < 14 || headLength < VNET_HEADER + Math.min(frameLength, MAX_HEADERS)) {
            return -1;
        }
        int gso = head.get(ValueLayout.JAVA_BYTE, 1) & 0xff & ~GSO_ECN;
        int gsoSize = le16(head, 4);
        if (gso == GSO_NONE) {
            if (!plainFits(head, frameLength, batch)) {
                return frameLength > PacketBatch.MAX_FRAME ? TOO_LONG : -1;
            }
            bytes.copy(0, batch.memory(), batch.nextSlotAt(), frameLength);
            return completed(head, frameLength, batch, port);
        }
        if (gso == GSO_UDP_L4 && gsoSize > 0) {
            return segmentUdp(head.asSlice(VNET_HEADER, headLength - VNET_HEADER), frameLength, bytes, gsoSize, batch, port);
        }
        if (gso != GSO_TCPV4 || gsoSize == 0) {
            return -1;
        }
        return segmentTcp(head.asSlice(VNET_HEADER, headLength - VNET_HEADER), frameLength, bytes, gsoSize, batch, port);
    }

    /**
     * Whether the frame in {@code buffer} ({@code length} bytes, virtio-net header first) asks for no segmentation: {@link #add}
     * copies such a frame into the batch and never refers to the buffer.
     */
    public static boolean plain(MemorySegment buffer, int length) {
        return length >= VNET_HEADER && (buffer.get(ValueLayout.JAVA_BYTE, 1) & 0xff & ~GSO_ECN) == GSO_NONE;
    }

    /**
     * The batch slots a reader keeps free before it adds the frame in {@code buffer} ({@code length} bytes, virtio-net
     * header first): {@link #MAX_SEGMENTS}, or for a UDP segmentation-offload frame with more datagrams than that, as many
     * as it has (at most {@link #MAX_DATAGRAMS}; more is malformed).
     */
    public static int slots(MemorySegment buffer, int length) {
        if (length < VNET_HEADER + 14 || (buffer.get(ValueLayout.JAVA_BYTE, 1) & 0xff & ~GSO_ECN) != GSO_UDP_L4) {
            return MAX_SEGMENTS;
        }
        int size = le16(buffer, 4);
        return size == 0 ? MAX_SEGMENTS : Math.min(MAX_DATAGRAMS, Math.max(MAX_SEGMENTS, (length - VNET_HEADER + size - 1) / size));
    }

    /** A frame without segmentation offload, whole in {@code buffer} behind its virtio-net header: copied into the next slot. */
    private static int addPlain(MemorySegment buffer, int frameLength, PacketBatch batch, int port) {
        if (!plainFits(buffer, frameLength, batch)) {
            return frameLength > PacketBatch.MAX_FRAME ? TOO_LONG : -1;
        }
        MemorySegment.copy(buffer, VNET_HEADER, batch.memory(), batch.nextSlotAt(), frameLength);
        return completed(buffer, frameLength, batch, port);
    }

    /**
     * Whether a plain frame of {@code frameLength} bytes, its virtio-net header at {@code head[0]}, can be taken: it fits a
     * slot, the batch has one, and a partial checksum's field lies inside the frame.
     */
    private static boolean plainFits(MemorySegment head, int frameLength, PacketBatch batch) {
        return frameLength <= PacketBatch.MAX_FRAME && !batch.full()
                && ((head.get(ValueLayout.JAVA_BYTE, 0) & NEEDS_CSUM) == 0 || le16(head, 6) + le16(head, 8) + 2 <= frameLength);
    }

    /**
     * Takes the plain frame just copied into the batch's next slot, whose virtio-net header is at {@code head[0]}: a partial
     * checksum (the field holds the pseudo-header's sum) is finished first, the rest folded in and the complement stored.
     */
    private static int completed(MemorySegment head, int frameLength, PacketBatch batch, int port) {
        if ((head.get(ValueLayout.JAVA_BYTE, 0) & NEEDS_CSUM) != 0) {
            MemorySegment m = batch.memory();
            long at = batch.nextSlotAt();
            int csumStart = le16(head, 6);
            Bytes.u16(m, at + csumStart + le16(head, 8), Checksum.finish(Checksum.sumVector(m, at + csumStart, frameLength - csumStart)));
        }
        batch.commit(frameLength, port);
        return 1;
    }

    /**
     * Adds the frame whose {@code headers} bytes of headers are in {@code f} (IPv4 at {@code l3}, TCP or UDP at {@code l4}) and
     * whose {@code payload} bytes {@code bytes} reads as one {@link PacketBatch#gsoSize GSO} frame of {@code size}-byte pieces,
     * where it was read, to cross the graph as one frame and be cut only where it must be: when it has more than one piece,
     * the batch has room to cut it, and {@code bytes} lets its payload be referred to. False when not (the caller cuts it).
     */
    private static boolean addedWhole(MemorySegment f, int headers, int payload, int size, int l3, int l4, FrameBytes bytes,
                                      PacketBatch batch, int port) {
        int pieces = (payload + size - 1) / size;
        if (pieces < 2 || batch.room() <= pieces || headers + payload > PacketBatch.MAX_GSO_FRAME) {
            return false;
        }
        MemorySegment whole = bytes.slice(headers, payload);
        if (whole == null) {
            return false;
        }
        MemorySegment.copy(f, 0, batch.nextSlot(), 0, headers);
        return batch.commitGso(headers, whole, size, l3, l4, port) >= 0;
    }

    /**
     * Takes the TCP frame whose headers are in {@code f} (at least {@link #MAX_HEADERS} bytes of it, or all) and whose bytes
     * {@code bytes} reads whole where it can ({@link #addedWhole}), else cuts it: each segment's headers into a slot, its payload referred to where it is when {@code bytes} lets it
     * (a split frame, {@link PacketBatch#tail}), else copied behind them; the TCP checksum is left pending.
     */
    private static int segmentTcp(MemorySegment f, int length, FrameBytes bytes, int mss, PacketBatch batch, int port) {
        int l3 = Bytes.u16(f, 12) == 0x8100 ? 18 : 14;
        if (length < l3 + 40) {
            return -1;
        }
        int ihl = (Bytes.u8(f, l3) & 0x0f) * 4;
        int l4 = l3 + ihl;
        if (ihl < 20 || Bytes.u8(f, l3 + 9) != 6 || length < l4 + 20) {
            return -1;
        }
        int headers = l4 + (Bytes.u8(f, l4 + 12) >>> 4) * 4;
        int payload = length - headers;
        if (headers > length || headers > f.byteSize() || headers + mss > PacketBatch.MAX_FRAME) {
            return -1;
        }
        if (addedWhole(f, headers, payload, mss, l3, l4, bytes, batch, port)) {
            return 1;
        }
        int segments = (payload + mss - 1) / mss;
        if (segments > batch.room()) {
            return -1;
        }
        int id = Bytes.u16(f, l3 + 4);
        int seq = Bytes.u32(f, l4 + 4);
        int tcpFlags = Bytes.u8(f, l4 + 13);
        for (int k = 0; k < segments; k++) {
            int offset = k * mss;
            int size = Math.min(mss, payload - offset);
            MemorySegment out = batch.nextSlot();
            MemorySegment.copy(f, 0, out, 0, headers);
            MemorySegment tail = bytes.slice(headers + offset, size);
            if (tail == null) {
                bytes.copy(headers + offset, out, headers, size);
            }
            TcpSegments.headers(out, 0, l3, l4, headers, k, segments, mss, size, id, seq, tcpFlags);
            int i = batch.commit(tail == null ? headers + size : headers, tail, port);
            batch.l3[i] = l3;
            batch.l4[i] = l4;
            batch.checksumPending[i] = true; // computed where the segment leaves, unless it reaches a VM in a coalesced run
        }
        return segments;
    }
    /**
     * Takes a UDP segmentation-offload frame (USO: one socket's datagrams of {@code size} bytes, the last maybe shorter,
     * behind one set of IPv4 and UDP headers, as a VM's kernel hands over what an application sent with
     * {@code UDP_SEGMENT}): as one {@link PacketBatch#gsoSize GSO} frame where {@code bytes} lets its payload be referred to
     * (a reader's buffer, guest memory) and the batch has room for its datagrams, cut only where it must be; else cut here
     * into those datagrams, what the VM's kernel would otherwise have sent one by one: each copied whole into a slot, with its own IPv4 total length, identification ({@code id + k}) and header checksum, and UDP length
     * and checksum. IPv4 only (Weft carries no IPv6): any other USO frame is malformed, as is one of more than
     * {@link #MAX_DATAGRAMS} datagrams or more than the batch has room for, or whose datagrams don't fit a slot.
     */
    private static int segmentUdp(MemorySegment f, int length, FrameBytes bytes, int size, PacketBatch batch, int port) {
        int l3 = Bytes.u16(f, 12) == 0x8100 ? 18 : 14;
        if (length < l3 + 28 || Bytes.u16(f, l3 - 2) != 0x0800 || Bytes.u8(f, l3) >>> 4 != 4) {
            return -1;
        }
        int ihl = (Bytes.u8(f, l3) & 0x0f) * 4;
        int l4 = l3 + ihl;
        int headers = l4 + 8;
        if (ihl < 20 || Bytes.u8(f, l3 + 9) != Parser.UDP || headers >= length || headers > f.byteSize() || headers + size > PacketBatch.MAX_FRAME) {
            return -1;
        }
        int payload = length - headers;
        int datagrams = (payload + size - 1) / size;
        if (datagrams > MAX_DATAGRAMS || datagrams > batch.room()) {
            return -1;
        }
        if (addedWhole(f, headers, payload, size, l3, l4, bytes, batch, port)) {
            return 1;
        }
        int id = Bytes.u16(f, l3 + 4);
        for (int k = 0; k < datagrams; k++) {
            int n = Math.min(size, payload - k * size);
            MemorySegment out = batch.nextSlot();
            MemorySegment.copy(f, 0, out, 0, headers);
            bytes.copy(headers + (long) k * size, out, headers, n);
            UdpSegments.headers(out, 0, l3, l4, k, n, id);
            UdpSegments.checksum(out, l3, l4, 8 + n, null);
            batch.commit(headers + n, port);
        }
        return datagrams;
    }
}

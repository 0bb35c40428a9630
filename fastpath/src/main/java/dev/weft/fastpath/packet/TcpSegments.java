package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * TCP segmentation (what a NIC's TSO or the kernel's GSO does): the headers of one segment of a TCP frame cut at its
 * segment size. Shared by the segmenter (a VM's frame cut as it is read) and {@link PacketBatch#cut} (a GSO frame cut
 * where it must leave as segments).
 */
public final class TcpSegments {

    private TcpSegments() {
    }

    /** The sum of the TCP pseudo-header of the IPv4 packet at {@code m[ip]} whose TCP segment is {@code tcpLength} bytes (unfolded). */
    public static long pseudoHeader(MemorySegment m, long ip, int tcpLength) {
        return Checksum.pseudoHeader(m, ip, 6, tcpLength);
    }

    /**
     * Makes the headers at {@code m[ip]} (IPv4) and {@code m[tcp]} (TCP) those of one whole frame a device is to cut or
     * checksum (TSO, GSO, checksum offload): IPv4 total length {@code ipLength} and its header checksum, and in the TCP
     * checksum field the pseudo-header's sum, as checksum offload wants it.
     */
    public static void offloaded(MemorySegment m, long ip, long tcp, int ipLength) {
        Ipv4Header.length(m, ip, (int) (tcp - ip), ipLength);
        Bytes.u16(m, tcp + 16, Checksum.fold(pseudoHeader(m, ip, ipLength - (int) (tcp - ip))));
    }

    /**
     * Rewrites the frame headers at {@code out[at, at + headers)}, a copy of the whole frame's (IPv4 at {@code l3}, TCP at
     * {@code l4}), into those of segment {@code k} of {@code n}, which carries {@code size} bytes from payload offset
     * {@code k * mss}: IPv4 total length, identification ({@code id + k}) and header checksum; TCP sequence number
     * ({@code seq + k * mss}) and flags (FIN and PSH only on the last segment, CWR only on the first). The TCP checksum is
     * left to the caller.
     */
    public static void headers(MemorySegment out, long at, int l3, int l4, int headers, int k, int n, int mss, int size, int id, int seq, int tcpFlags) {
        long ip = at + l3;
        Bytes.u16(out, ip + 4, (id + k) & 0xffff);
        Ipv4Header.length(out, ip, l4 - l3, headers - l3 + size);
        Bytes.u32(out, at + l4 + 4, seq + k * mss);
        int segmentFlags = tcpFlags;
        if (k < n - 1) {
            segmentFlags &= ~0x09; // FIN and PSH only on the last segment
        }
        if (k > 0) {
            segmentFlags &= ~0x80; // CWR only on the first
        }
        Bytes.u8(out, at + l4 + 13, segmentFlags);
    }
}

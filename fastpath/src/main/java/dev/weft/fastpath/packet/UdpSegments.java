package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * The datagrams of a UDP segmentation-offload frame (USO, the kernel's {@code GSO_UDP_L4}: one socket's datagrams of equal
 * size behind one set of IPv4 and UDP headers, the last maybe shorter), as {@link TcpSegments} is for TCP: the headers of
 * datagram {@code k} and its checksum.
 */
public final class UdpSegments {

    private UdpSegments() {
    }

    /**
     * Rewrites the headers at {@code out[at..]}, a copy of the whole frame's (IPv4 at {@code l3}, UDP at {@code l4}), into
     * those of datagram {@code k}, which carries {@code size} payload bytes: IPv4 total length, identification
     * ({@code id + k}) and header checksum, UDP length; the UDP checksum is zeroed, for {@link #checksum}.
     */
    public static void headers(MemorySegment out, long at, int l3, int l4, int k, int size, int id) {
        long ip = at + l3;
        Bytes.u16(out, ip + 4, (id + k) & 0xffff);
        Ipv4Header.length(out, ip, l4 - l3, l4 - l3 + 8 + size);
        Bytes.u16(out, at + l4 + 4, 8 + size);
        Bytes.u16(out, at + l4 + 6, 0);
    }

    /**
     * Writes the UDP checksum of the datagram whose IPv4 header is at {@code m[ip]} and UDP header at {@code m[udp]}: over its
     * first {@code inSlot} UDP bytes there (the 8-byte header, or all of it) and {@code rest} (null: none), its field zero
     * before. A sum of 0 is written as 0xffff: 0 would say "no checksum".
     */
    public static void checksum(MemorySegment m, long ip, long udp, int inSlot, MemorySegment rest) {
        int udpLength = inSlot + (rest == null ? 0 : (int) rest.byteSize());
        Bytes.u16(m, udp + 6, 0);
        long sum = Checksum.pseudoHeader(m, ip, Parser.UDP, udpLength) + Checksum.sumVector(m, udp, inSlot);
        if (rest != null) {
            sum += Checksum.sumVector(rest, 0, (int) rest.byteSize());
        }
        int checksum = Checksum.finish(sum);
        Bytes.u16(m, udp + 6, checksum == 0 ? 0xffff : checksum);
    }

    /**
     * Makes the headers at {@code m[ip]} (IPv4) and {@code m[udp]} (UDP) those of one whole USO frame a device is to cut
     * (GSO): IPv4 total length {@code ipLength} and its header checksum, UDP length, and in the UDP checksum field the
     * pseudo-header's sum, as checksum offload wants it.
     */
    public static void offloaded(MemorySegment m, long ip, long udp, int ipLength) {
        int udpLength = ipLength - (int) (udp - ip);
        Ipv4Header.length(m, ip, (int) (udp - ip), ipLength);
        Bytes.u16(m, udp + 4, udpLength);
        Bytes.u16(m, udp + 6, Checksum.fold(Checksum.pseudoHeader(m, ip, Parser.UDP, udpLength)));
    }
}

package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * An ICMP error (destination unreachable, time exceeded, parameter problem: RFC 792) and the packet it is about, which it
 * carries after its 8-byte header: that packet's IPv4 header and at least the first 8 bytes after it (its ports). The
 * error belongs to the flow of the packet it carries: NAT translates the carried packet back with the error (RFC 5508),
 * and a stateful firewall lets an error in when the carried packet is one of a flow it tracks (a "related" packet).
 * {@link Parser} flags an error ({@link Parser#FLAG_ICMP_ERROR}) only when the carried header is whole and the carried
 * packet is TCP, UDP or an ICMP echo: a flow by ports (or identifier) that NAT and tracking know.
 */
public final class IcmpError {

    /** The carried packet's IPv4 header starts this far into the ICMP message. */
    static final int CARRIED = 8;

    private IcmpError() {
    }

    /** Whether ICMP {@code type} is an error that carries the packet it is about. */
    static boolean isError(int type) {
        return type == 3 || type == 11 || type == 12;
    }

    /**
     * Whether the ICMP message at {@code icmp}, {@code length} bytes long, carries a whole IPv4 header and the first 8 bytes
     * of the first (or only) fragment's payload, of a TCP segment, a UDP datagram or an ICMP echo.
     */
    static boolean aboutAFlow(MemorySegment m, long icmp, int length) {
        if (length < CARRIED + 20) {
            return false;
        }
        long ip = icmp + CARRIED;
        int first = Bytes.u8(m, ip);
        int ihl = (first & 0x0f) * 4;
        if (first >>> 4 != 4 || ihl < 20 || length < CARRIED + ihl + 8 || (Bytes.u16(m, ip + 6) & 0x1fff) != 0) {
            return false;
        }
        int protocol = Bytes.u8(m, ip + 9);
        int echo = Bytes.u8(m, ip + ihl);
        return protocol == Parser.TCP || protocol == Parser.UDP || protocol == Parser.ICMP && (echo == 8 || echo == 0);
    }

    /** Whether packet {@code i} is such an error. */
    public static boolean is(PacketBatch b, int i) {
        return (b.flags[i] & Parser.FLAG_ICMP_ERROR) != 0;
    }

    private static long carried(PacketBatch b, int i) {
        return b.start[i] + b.l4[i] + CARRIED;
    }

    private static long carriedL4(PacketBatch b, int i) {
        long ip = carried(b, i);
        return ip + (Bytes.u8(b.memory(), ip) & 0x0f) * 4L;
    }

    /** The carried packet's source address. */
    public static int source(PacketBatch b, int i) {
        return Bytes.u32(b.memory(), carried(b, i) + 12);
    }

    /** The carried packet's destination address. */
    public static int destination(PacketBatch b, int i) {
        return Bytes.u32(b.memory(), carried(b, i) + 16);
    }

    public static int protocol(PacketBatch b, int i) {
        return Bytes.u8(b.memory(), carried(b, i) + 9);
    }

    /** The carried packet's source port; for an ICMP echo its identifier (as {@link Parser} keys echo flows). */
    public static int sourcePort(PacketBatch b, int i) {
        long l4 = carriedL4(b, i);
        return protocol(b, i) == Parser.ICMP ? Bytes.u16(b.memory(), l4 + 4) : Bytes.u16(b.memory(), l4);
    }

    /** The carried packet's destination port; for an ICMP echo its identifier too. */
    public static int destinationPort(PacketBatch b, int i) {
        long l4 = carriedL4(b, i);
        return protocol(b, i) == Parser.ICMP ? Bytes.u16(b.memory(), l4 + 4) : Bytes.u16(b.memory(), l4 + 2);
    }

    /**
     * Translates an error that came back to a public address into the private one's terms: its destination becomes
     * {@code address}, and so does the carried packet's source, whose port (or echo identifier) becomes {@code port}; the
     * IPv4 checksums and the carried packet's TCP or UDP checksum (where the error carries it) are updated, and the ICMP
     * checksum computed again.
     */
    public static void toPrivate(PacketBatch b, int i, int address, int port) {
        translate(b, i, 16, address, port);
        b.dstIp[i] = address;
    }

    /**
     * Translates an error a VM sends about a packet that came to it translated (to its public address, or through its NAT
     * gateway) into the public terms: its source becomes {@code address}, and so does the carried packet's destination,
     * whose port (or echo identifier) becomes {@code port}; checksums as in {@link #toPrivate}.
     */
    public static void toPublic(PacketBatch b, int i, int address, int port) {
        translate(b, i, 12, address, port);
        b.srcIp[i] = address;
    }

    /** The error's own address at {@code field} (12: source, 16: destination) and the carried packet's opposite one, with its port. */
    private static void translate(PacketBatch b, int i, int field, int address, int port) {
        MemorySegment m = b.memory();
        long ip = b.start[i] + b.l3[i];
        Nat.address(m, ip, field, address);
        long in = carried(b, i);
        int carriedWas = Nat.address(m, in, field == 16 ? 12 : 16, address);
        long l4 = carriedL4(b, i);
        long end = ip + Bytes.u16(m, ip + 2);
        int protocol = Bytes.u8(m, in + 9);
        long portAt = protocol == Parser.ICMP ? l4 + 4 : field == 16 ? l4 : l4 + 2;
        int oldPort = Bytes.u16(m, portAt);
        Bytes.u16(m, portAt, port);
        long checksumAt = switch (protocol) {
            case Parser.TCP -> l4 + 16;
            case Parser.UDP -> l4 + 6;
            default -> l4 + 2; // ICMP echo: its checksum covers the identifier, not the addresses
        };
        if (checksumAt + 2 <= end) { // carried far enough to hold the checksum
            int sum = Bytes.u16(m, checksumAt);
            if (protocol != Parser.UDP || sum != 0) {
                if (protocol != Parser.ICMP) {
                    sum = Nat.update32(sum, carriedWas, address);
                }
                sum = Checksum.update(sum, oldPort, port);
                Bytes.u16(m, checksumAt, protocol == Parser.UDP && sum == 0 ? 0xffff : sum);
            }
        }
        long icmp = b.start[i] + b.l4[i];
        Bytes.u16(m, icmp + 2, 0);
        Bytes.u16(m, icmp + 2, Checksum.finish(Checksum.sum(m, icmp, (int) (end - icmp))));
    }
}

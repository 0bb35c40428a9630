package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * Address and port translation of one IPv4 packet in place, with the checksums updated incrementally
 * (RFC 1624): the IPv4 header's, and the TCP or UDP checksum, whose pseudo-header covers the addresses. For
 * an ICMP echo the "port" is the identifier (the flow's port columns hold it, see {@link Parser}). A later
 * fragment has no L4 header: only its IPv4 header changes.
 */
public final class Nat {

    private Nat() {
    }

    /**
     * A flow's source translation applied to one of its packets: {@link #source}, or for an ICMP error about the flow (RFC
     * 5508) the error's source and the destination of the packet it carries ({@link IcmpError#toPublic}).
     */
    public static void translateSource(PacketBatch b, int i, int address, int port) {
        if (IcmpError.is(b, i)) {
            IcmpError.toPublic(b, i, address, port);
        } else {
            source(b, i, address, port);
        }
    }

    /**
     * A flow's destination translation applied to one of its packets: {@link #destination}, or for an ICMP error about the
     * flow (RFC 5508) the error's destination and the source of the packet it carries ({@link IcmpError#toPrivate}).
     */
    public static void translateDestination(PacketBatch b, int i, int address, int port) {
        if (IcmpError.is(b, i)) {
            IcmpError.toPrivate(b, i, address, port);
        } else {
            destination(b, i, address, port);
        }
    }

    /** Rewrites the source to {@code address}:{@code port} (the columns too). */
    public static void source(PacketBatch b, int i, int address, int port) {
        rewrite(b, i, 12, address, port);
        b.srcIp[i] = address;
        b.srcPort[i] = port;
    }

    /** Rewrites the destination to {@code address}:{@code port} (the columns too; for ICMP echo, the identifier). */
    public static void destination(PacketBatch b, int i, int address, int port) {
        rewrite(b, i, 16, address, port);
        b.dstIp[i] = address;
        if (b.protocol[i] == Parser.ICMP) {
            b.srcPort[i] = port;
        } else {
            b.dstPort[i] = port;
        }
    }

    private static void rewrite(PacketBatch b, int i, int field, int address, int port) {
        MemorySegment m = b.memory();
        long ip = b.start[i] + b.l3[i];
        int old = address(m, ip, field, address);
        if ((Bytes.u16(m, ip + 6) & 0x1fff) != 0) {
            return; // a later fragment
        }
        long l4 = b.start[i] + b.l4[i];
        boolean source = field == 12;
        switch (b.protocol[i]) {
            case Parser.TCP -> {
                long at = l4 + (source ? 0 : 2);
                int oldPort = Bytes.u16(m, at);
                Bytes.u16(m, at, port);
                int sum = update32(Bytes.u16(m, l4 + 16), old, address);
                Bytes.u16(m, l4 + 16, Checksum.update(sum, oldPort, port));
            }
            case Parser.UDP -> {
                long at = l4 + (source ? 0 : 2);
                int oldPort = Bytes.u16(m, at);
                Bytes.u16(m, at, port);
                int sum = Bytes.u16(m, l4 + 6);
                if (sum != 0) { // 0: the sender computed none
                    sum = Checksum.update(update32(sum, old, address), oldPort, port);
                    Bytes.u16(m, l4 + 6, sum == 0 ? 0xffff : sum);
                }
            }
            case Parser.ICMP -> {
                if ((b.flags[i] & Parser.FLAG_ECHO) != 0) {
                    int oldId = Bytes.u16(m, l4 + 4);
                    Bytes.u16(m, l4 + 4, port);
                    Bytes.u16(m, l4 + 2, Checksum.update(Bytes.u16(m, l4 + 2), oldId, port));
                }
            }
            default -> {
                // other protocols carry no ports and no checksum over the addresses
            }
        }
    }

    /** Writes {@code address} at {@code field} (12: source, 16: destination) of the IPv4 header at {@code ip}, its checksum updated; returns the address it replaced. */
    static int address(MemorySegment m, long ip, int field, int address) {
        int old = Bytes.u32(m, ip + field);
        Bytes.u32(m, ip + field, address);
        Bytes.u16(m, ip + 10, update32(Bytes.u16(m, ip + 10), old, address));
        return old;
    }

    /** RFC 1624 for a 32-bit field: both of its 16-bit words. */
    static int update32(int checksum, int old, int now) {
        return Checksum.update(Checksum.update(checksum, old >>> 16, now >>> 16), old & 0xffff, now & 0xffff);
    }
}

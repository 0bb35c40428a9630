package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * Parses Ethernet (one optional 802.1Q tag), ARP and IPv4 (with options; fragments flagged) with ICMP,
 * TCP and UDP. Fills the batch's metadata; anything truncated or malformed gets kind {@link #DROP} and a
 * {@link DropReason}. Never throws on any input.
 */
public final class Parser {

    public static final int DROP = 0;
    public static final int ARP = 1;
    public static final int IPV4 = 2;

    public static final int FLAG_FRAGMENT = 1;
    public static final int FLAG_VLAN = 2;
    public static final int FLAG_ECHO = 4;
    /** An ICMP error about a packet of a TCP, UDP or ICMP echo flow, whose whole header it carries (see {@link IcmpError}). */
    public static final int FLAG_ICMP_ERROR = 8;

    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;

    private Parser() {
    }

    /** Parses frame {@code i}; returns its kind. On DROP, {@code batch.reason[i]} says why. */
    public static int parse(PacketBatch batch, int i) {
        int reason = parseOrReason(batch, i);
        if (reason != 0) {
            batch.kind[i] = DROP;
            batch.reason[i] = reason;
            return DROP;
        }
        return batch.kind[i];
    }

    private static int parseOrReason(PacketBatch b, int i) {
        MemorySegment m = b.memory();
        long s = b.start[i];
        int len = b.length[i];
        b.srcPort[i] = 0;
        b.dstPort[i] = 0;
        b.protocol[i] = 0;
        if (len < 14) {
            return DropReason.TRUNCATED.ordinal();
        }
        int type = Bytes.u16(m, s + 12);
        int l3 = 14;
        if (type == 0x8100) {
            if (len < 18) {
                return DropReason.TRUNCATED.ordinal();
            }
            type = Bytes.u16(m, s + 16);
            l3 = 18;
            b.flags[i] |= FLAG_VLAN;
        }
        b.l3[i] = l3;
        if (type == 0x0806) {
            if (len < l3 + 28) {
                return DropReason.TRUNCATED.ordinal();
            }
            long a = s + l3;
            int op = Bytes.u16(m, a + 6);
            if (Bytes.u16(m, a) != 1 || Bytes.u16(m, a + 2) != 0x0800 || Bytes.u8(m, a + 4) != 6 || Bytes.u8(m, a + 5) != 4
                    || (op != 1 && op != 2)) {
                return DropReason.BAD_ARP.ordinal();
            }
            b.srcIp[i] = Bytes.u32(m, a + 14);
            b.dstIp[i] = Bytes.u32(m, a + 24);
            b.protocol[i] = op;
            b.kind[i] = ARP;
            return 0;
        }
        if (type != 0x0800) {
            return DropReason.BAD_ETHERTYPE.ordinal();
        }
        if (len < l3 + 20) {
            return DropReason.TRUNCATED.ordinal();
        }
        long ip = s + l3;
        int versionIhl = Bytes.u8(m, ip);
        int ihl = (versionIhl & 0x0f) * 4;
        if ((versionIhl >>> 4) != 4 || ihl < 20) {
            return DropReason.BAD_IPV4_HEADER.ordinal();
        }
        if (len < l3 + ihl) {
            return DropReason.TRUNCATED.ordinal();
        }
        int total = Bytes.u16(m, ip + 2);
        if (total < ihl || l3 + total > len) {
            return DropReason.BAD_IPV4_LENGTH.ordinal();
        }
        if (Checksum.fold(ihl == 20 ? Checksum.sum20(m, ip) : Checksum.sum(m, ip, ihl)) != 0xffff) {
            return DropReason.BAD_IPV4_CHECKSUM.ordinal();
        }
        int fragment = Bytes.u16(m, ip + 6);
        boolean firstOrWhole = (fragment & 0x1fff) == 0;
        if ((fragment & 0x3fff) != 0) { // more fragments, or an offset: DF alone is not a fragment
            b.flags[i] |= FLAG_FRAGMENT;
        }
        int protocol = Bytes.u8(m, ip + 9);
        b.protocol[i] = protocol;
        b.srcIp[i] = Bytes.u32(m, ip + 12);
        b.dstIp[i] = Bytes.u32(m, ip + 16);
        int l4 = l3 + ihl;
        int end = l3 + total;
        b.l4[i] = l4;
        b.kind[i] = IPV4;
        if (!firstOrWhole) {
            return 0; // a later fragment carries no L4 header
        }
        long t = s + l4;
        switch (protocol) {
            case TCP -> {
                if (l4 + 20 > end) {
                    return DropReason.BAD_L4_HEADER.ordinal();
                }
                int dataOffset = (Bytes.u8(m, t + 12) >>> 4) * 4;
                if (dataOffset < 20 || l4 + dataOffset > end) {
                    return DropReason.BAD_L4_HEADER.ordinal();
                }
                b.srcPort[i] = Bytes.u16(m, t);
                b.dstPort[i] = Bytes.u16(m, t + 2);
            }
            case UDP -> {
                if (l4 + 8 > end) {
                    return DropReason.BAD_L4_HEADER.ordinal();
                }
                int udpLength = Bytes.u16(m, t + 4);
                if (udpLength < 8 || l4 + udpLength > end) {
                    return DropReason.BAD_L4_HEADER.ordinal();
                }
                b.srcPort[i] = Bytes.u16(m, t);
                b.dstPort[i] = Bytes.u16(m, t + 2);
            }
            case ICMP -> {
                if (l4 + 4 > end) {
                    return DropReason.BAD_L4_HEADER.ordinal();
                }
                int icmpType = Bytes.u8(m, t);
                if ((icmpType == 8 || icmpType == 0) && l4 + 8 <= end) { // echo: the identifier names the flow
                    b.srcPort[i] = Bytes.u16(m, t + 4);
                    b.dstPort[i] = icmpType;
                    b.flags[i] |= FLAG_ECHO;
                } else if (IcmpError.isError(icmpType) && IcmpError.aboutAFlow(m, t, end - l4)) {
                    b.flags[i] |= FLAG_ICMP_ERROR;
                }
            }
            default -> {
                // other protocols are forwarded by address alone
            }
        }
        return 0;
    }
}

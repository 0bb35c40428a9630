package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * Writes the 20-byte IPv4 header of a packet the host originates (no options, identification 0, TTL 64), and gives a
 * header it cuts or coalesces its new length.
 */
public final class Ipv4Header {
    /** The flags-and-fragment-offset word with Don't Fragment set. */
    private static final int DONT_FRAGMENT = 0x4000;

    private Ipv4Header() {
    }

    /**
     * Sets the total length of the IPv4 header at {@code ip} ({@code headerLength} bytes, options included) to {@code total}
     * and computes its checksum again, over the header as it is then.
     */
    public static void length(MemorySegment m, long ip, int headerLength, int total) {
        Bytes.u16(m, ip + 2, total);
        Bytes.u16(m, ip + 10, 0);
        Bytes.u16(m, ip + 10, Checksum.finish(Checksum.sum(m, ip, headerLength)));
    }

    /**
     * Writes the header at {@code ip} for a packet of {@code total} bytes (header included); the checksum
     * is summed from the words as they are written, without reading them back.
     */
    public static void write(MemorySegment m, long ip, int source, int destination, int protocol, int total,
            boolean dontFragment) {
        int fragment = dontFragment ? DONT_FRAGMENT : 0;
        long sum = 0x4500L + total + fragment + (64 << 8 | protocol) + (source >>> 16) + (source & 0xffff)
                + (destination >>> 16) + (destination & 0xffff);
        Bytes.u32(m, ip, 0x4500_0000 | total);
        Bytes.u32(m, ip + 4, fragment);
        Bytes.u32(m, ip + 8, (64 << 24) | (protocol << 16) | Checksum.finish(sum));
        Bytes.u32(m, ip + 12, source);
        Bytes.u32(m, ip + 16, destination);
    }
}

package dev.weft.fastpath;

/** A reference Internet checksum (RFC 1071), computed from scratch, to check incremental updates against. */
final class Checksums {

    private Checksums() {
    }

    static int sum(byte[] f, int from, int to, int start) {
        long sum = start;
        for (int k = from; k < to; k += 2) {
            sum += ((f[k] & 0xff) << 8) | (k + 1 < to ? f[k + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    private static int pseudo(byte[] f, int ip, int protocol, int length) {
        return sum(f, ip + 12, ip + 20, protocol + length);
    }

    /** The frame (Ethernet, IPv4 without options) with its TCP, UDP or ICMP checksum filled in. */
    static byte[] withL4(byte[] frame) {
        byte[] f = frame.clone();
        int ip = 14;
        int protocol = f[ip + 9] & 0xff;
        int l4 = ip + 20;
        int length = f.length - l4;
        int field = protocol == 6 ? 16 : protocol == 17 ? 6 : 2;
        f[l4 + field] = 0;
        f[l4 + field + 1] = 0;
        int sum = protocol == 1 ? sum(f, l4, f.length, 0) : sum(f, l4, f.length, pseudo(f, ip, protocol, length));
        int value = ~sum & 0xffff;
        if (protocol == 17 && value == 0) {
            value = 0xffff;
        }
        f[l4 + field] = (byte) (value >>> 8);
        f[l4 + field + 1] = (byte) value;
        return f;
    }

    /** Whether the IPv4 header checksum and the TCP, UDP or ICMP checksum verify. */
    static boolean valid(byte[] f) {
        int ip = 14;
        if (sum(f, ip, ip + 20, 0) != 0xffff) {
            return false;
        }
        int protocol = f[ip + 9] & 0xff;
        int l4 = ip + 20;
        int length = ((f[ip + 2] & 0xff) << 8 | (f[ip + 3] & 0xff)) - 20;
        if (protocol == 1) {
            return sum(f, l4, l4 + length, 0) == 0xffff;
        }
        return sum(f, l4, l4 + length, pseudo(f, ip, protocol, length)) == 0xffff;
    }
}

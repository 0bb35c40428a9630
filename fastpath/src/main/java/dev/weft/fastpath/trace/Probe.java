package dev.weft.fastpath.trace;

import dev.weft.fastpath.packet.DnsName;
import java.nio.ByteBuffer;

/**
 * The synthetic first packet of a flow that {@code weft trace} sends through the graph: Ethernet, IPv4
 * (TTL 64, checksum computed) and a TCP SYN, a UDP datagram or an ICMP echo request (its checksum computed).
 */
public final class Probe {

    public enum Protocol { tcp, udp, icmp }

    private Probe() {
    }

    public static byte[] frame(long srcMac, long dstMac, int src, int dst, Protocol protocol, int srcPort, int dstPort) {
        return frame(srcMac, dstMac, src, dst, protocol, srcPort, dstPort, new byte[16]);
    }

    /** A DNS query (recursion desired, one question, class IN) for {@code type} records of {@code name}: a UDP probe's payload to port 53. */
    public static byte[] dnsQuery(String name, int type) {
        java.io.ByteArrayOutputStream q = new java.io.ByteArrayOutputStream();
        q.writeBytes(new byte[] {0x77, 0x74, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        q.writeBytes(DnsName.encode(name));
        q.writeBytes(new byte[] {(byte) (type >>> 8), (byte) type, 0, 1});
        return q.toByteArray();
    }

    /**
     * A TCP data segment (ACK and PSH, sequence and acknowledgement 1) carrying {@code bytes} bytes, as a VM hands a TSO
     * frame to its device: one IPv4 packet of up to 65,535 bytes, the TCP checksum left to the device (0).
     */
    public static byte[] tcpData(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort, int bytes) {
        if (bytes < 1 || bytes > 65535 - 40) {
            throw new IllegalArgumentException("a TCP segment carries 1-65495 bytes in one IPv4 packet, not " + bytes);
        }
        byte[] syn = frame(srcMac, dstMac, src, dst, Protocol.tcp, srcPort, dstPort);
        ByteBuffer b = ByteBuffer.allocate(syn.length + bytes).put(syn);
        for (int k = 0; k < bytes; k++) {
            b.put((byte) ('a' + k % 26));
        }
        int ip = 14;
        b.putShort(ip + 2, (short) (40 + bytes)).putShort(ip + 10, (short) 0).putShort(ip + 10, (short) ~ipSum(b, ip));
        b.putShort(ip + 20 + 4, (short) 0).putShort(ip + 20 + 6, (short) 1); // seq 1
        b.putInt(ip + 20 + 8, 1).put(ip + 20 + 13, (byte) 0x18); // ack 1; ACK, PSH
        return b.array();
    }

    /** {@code frame} (Ethernet and an IPv4 header without options) with TTL {@code ttl} and its header checksum computed again. */
    public static byte[] ttl(byte[] frame, int ttl) {
        if (ttl < 0 || ttl > 255) {
            throw new IllegalArgumentException("a TTL is 0-255, not " + ttl);
        }
        ByteBuffer b = ByteBuffer.wrap(frame.clone());
        int ip = 14;
        b.put(ip + 8, (byte) ttl).putShort(ip + 10, (short) 0).putShort(ip + 10, (short) ~ipSum(b, ip));
        return b.array();
    }

    /** {@code frame} sent on 802.1Q VLAN {@code vlan} (1–4094): a tag in front of its EtherType; 0 leaves it untagged. */
    public static byte[] vlan(byte[] frame, int vlan) {
        if (vlan < 0 || vlan > 4094) {
            throw new IllegalArgumentException("a VLAN is 1-4094, not " + vlan);
        }
        if (vlan == 0) {
            return frame;
        }
        byte[] tagged = new byte[frame.length + 4];
        System.arraycopy(frame, 0, tagged, 0, 12);
        ByteBuffer.wrap(tagged).putShort(12, (short) 0x8100).putShort(14, (short) vlan);
        System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
        return tagged;
    }

    /** The folded one's-complement sum of the IPv4 header at {@code ip}. */
    private static int ipSum(ByteBuffer b, int ip) {
        return sum(b, ip, 20);
    }

    /** The folded one's-complement sum of the {@code length} bytes (even) at {@code at}. */
    private static int sum(ByteBuffer b, int at, int length) {
        int sum = 0;
        for (int k = 0; k < length; k += 2) {
            sum += b.getShort(at + k) & 0xffff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        return (sum & 0xffff) + (sum >>> 16);
    }

    /** As {@link #frame(long, long, int, int, Protocol, int, int)} with {@code payload} after a UDP header. */
    public static byte[] frame(long srcMac, long dstMac, int src, int dst, Protocol protocol, int srcPort, int dstPort, byte[] payload) {
        int l4 = switch (protocol) {
            case tcp -> 20;
            case udp -> 8 + payload.length;
            case icmp -> 8 + 16;
        };
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4);
        b.putShort((short) (dstMac >>> 32)).putInt((int) dstMac).putShort((short) (srcMac >>> 32)).putInt((int) srcMac);
        b.putShort((short) 0x0800);
        int ip = b.position();
        int proto = switch (protocol) {
            case tcp -> 6;
            case udp -> 17;
            case icmp -> 1;
        };
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4)).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) proto).putShort((short) 0).putInt(src).putInt(dst);
        b.putShort(ip + 10, (short) ~ipSum(b, ip));
        switch (protocol) {
            case tcp -> b.putShort((short) srcPort).putShort((short) dstPort).putInt(1).putInt(0)
                    .putShort((short) 0x5002).putShort((short) 64240).putShort((short) 0).putShort((short) 0); // SYN
            case udp -> b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) l4).putShort((short) 0).put(payload);
            case icmp -> b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) srcPort).putShort((short) 1); // echo request, id, seq
        }
        if (protocol == Protocol.icmp) { // a host checks an echo request's checksum before it answers
            b.putShort(ip + 20 + 2, (short) ~sum(b, ip + 20, l4));
        }
        return b.array();
    }
}

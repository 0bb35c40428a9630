package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.Ipv4Header;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.packet.TcpSegments;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs of one flow's frames that go to a VM as one segmentation-offload frame (a TAP device's or a vhost-user guest's):
 * which frames of a batch form a run, and the virtio-net header and headers the coalesced frame starts with. A run of
 * TCP segments goes as {@code GSO_TCPV4}; a run of one UDP flow's datagrams as {@code GSO_UDP_L4} (USO), only to a NIC
 * whose manifest asks for it ({@code udpReceiveCoalescing}) through a TAP device whose kernel takes USO (Linux 6.2 and
 * later), never as a mirror's copies: the VM's stack cuts it back into the very datagrams at its socket, as a virtio guest
 * with USO does (a capture in the VM sees one frame). The checksum is left partial (the pseudo-header's sum), which the VM's stack treats as
 * verified: a UDP datagram joins a run only when its own checksum is right (or absent), as Linux's UDP GRO asks.
 */
public final class GsoRun {

    /** The most frames in a run; a coalesced frame also stays within 64 kB of IPv4. */
    public static final int MAX_RUN = 64;
    private static final int NEEDS_CSUM = 1;
    private static final int GSO_TCPV4 = 1;
    private static final int GSO_UDP_L4 = 5;

    private GsoRun() {
    }

    /**
     * The run of TCP segments that starts with frame {@code i} (going to a port), its frames' indexes into {@code run} from
     * 0; returns its length (1 when frame {@code i} stands alone, as a {@link PacketBatch#gsoSize GSO} frame, already one
     * unit, does).
     */
    public static int form(PacketBatch b, int i, int[] run) {
        return form(b, i, b.count(), run, false);
    }

    /**
     * The run that starts with frame {@code i} and ends before frame {@code end}, as {@link #form(PacketBatch, int, int[])};
     * with {@code udp}, a run of one UDP flow's datagrams too.
     */
    public static int form(PacketBatch b, int i, int end, int[] run, boolean udp) {
        run[0] = i;
        if (udp && b.protocol[i] == Parser.UDP) {
            return formUdp(b, i, end, run);
        }
        if (b.protocol[i] != Parser.TCP || b.gsoSize[i] > 0) { // a GSO frame goes whole, alone
            return 1;
        }
        int headers = headers(b, i);
        int length = 1;
        int ipLength = b.length[i] - b.l3[i];
        while (i + length < end && length < MAX_RUN && continues(b, i, run[length - 1], i + length)
                && ipLength + b.length[i + length] - headers <= 65535) {
            ipLength += b.length[i + length] - headers;
            run[length] = i + length;
            length++;
        }
        return length;
    }

    /**
     * A run of UDP datagrams from frame {@code i}: same port and flow, IPv4 without options, not fragments, TOS, DF and TTL
     * as the first's, each datagram whole in its slot with lengths that agree (no Ethernet padding), every one as long as
     * the first but the last, which may be shorter, and each with a right (or no) UDP checksum.
     */
    private static int formUdp(PacketBatch b, int i, int end, int[] run) {
        if (!datagram(b, i)) {
            return 1;
        }
        MemorySegment m = b.memory();
        int headers = b.l4[i] + 8;
        int size = b.length[i];
        int ipLength = size - b.l3[i];
        long tosFlagsTtl = ipFields(m, b.start[i] + b.l3[i]);
        int length = 1;
        while (i + length < end && length < MAX_RUN) {
            int n = i + length;
            if (!sameFlow(b, i, n, Parser.UDP) || b.length[n - 1] != size || b.length[n] > size || ipLength + b.length[n] - headers > 65535
                    || ipFields(m, b.start[n] + b.l3[n]) != tosFlagsTtl || !datagram(b, n)) {
                break;
            }
            ipLength += b.length[n] - headers;
            run[length++] = n;
        }
        return length;
    }

    /**
     * Whether frame {@code next} goes where frame {@code first} goes, to a port, and is of its flow of {@code protocol}:
     * same port, addresses, ports and Ethernet header length, and not a GSO frame.
     */
    private static boolean sameFlow(PacketBatch b, int first, int next, int protocol) {
        return b.verdict[next] == PacketBatch.TO_PORT && b.gsoSize[next] == 0 && b.outPort[next] == b.outPort[first] && b.protocol[next] == protocol
                && b.srcIp[next] == b.srcIp[first] && b.dstIp[next] == b.dstIp[first]
                && b.srcPort[next] == b.srcPort[first] && b.dstPort[next] == b.dstPort[first] && b.l3[next] == b.l3[first];
    }

    /** The IPv4 fields every datagram of a run shares with the first, as the VM's kernel copies them: TOS, flags (DF) and TTL. */
    private static long ipFields(MemorySegment m, long ip) {
        return (long) Bytes.u8(m, ip + 1) << 32 | (long) Bytes.u16(m, ip + 6) << 16 | Bytes.u8(m, ip + 8);
    }

    /**
     * Whether frame {@code i} is a UDP datagram a run can carry: whole in its slot, IPv4 without options and not a
     * fragment, its IPv4 and UDP lengths the frame's, a payload, and its checksum right or absent.
     */
    public static boolean datagram(PacketBatch b, int i) {
        MemorySegment m = b.memory();
        long ip = b.start[i] + b.l3[i];
        long udp = b.start[i] + b.l4[i];
        int udpLength = b.length[i] - b.l4[i];
        if (b.gsoSize[i] > 0 || b.tail[i] != null || (b.flags[i] & Parser.FLAG_FRAGMENT) != 0 || b.l4[i] - b.l3[i] != 20
                || udpLength <= 8 || Bytes.u16(m, ip + 2) != b.length[i] - b.l3[i] || Bytes.u16(m, udp + 4) != udpLength) {
            return false;
        }
        return Bytes.u16(m, udp + 6) == 0
                || Checksum.fold(Checksum.pseudoHeader(m, ip, Parser.UDP, udpLength) + Checksum.sumVector(m, udp, udpLength)) == 0xffff;
    }

    /** The bytes in front of the payload of frame {@code i} of a run: Ethernet, IPv4 and TCP (or UDP) headers. */
    public static int headers(PacketBatch b, int i) {
        if (b.protocol[i] == Parser.UDP) {
            return b.l4[i] + 8;
        }
        return b.l4[i] + (Bytes.u8(b.memory(), b.start[i] + b.l4[i] + 12) >>> 4) * 4;
    }

    /**
     * Whether segment {@code next} continues the run whose first segment is {@code first} and last so far is
     * {@code previous}: same port and flow, no IP options or fragments, the previous segment as large as the first (only
     * the last of a run may be shorter), plain ACK before the last, and the next sequence number.
     */
    static boolean continues(PacketBatch b, int first, int previous, int next) {
        if (!sameFlow(b, first, next, Parser.TCP) || b.l4[next] - b.l3[next] != 20 || b.l4[first] - b.l3[first] != 20
                || ((b.flags[next] | b.flags[first]) & Parser.FLAG_FRAGMENT) != 0) {
            return false;
        }
        MemorySegment m = b.memory();
        long f = b.start[first] + b.l4[first];
        long p = b.start[previous] + b.l4[previous];
        long n = b.start[next] + b.l4[next];
        int headerLength = (Bytes.u8(m, f + 12) >>> 4) * 4;
        if ((Bytes.u8(m, n + 12) >>> 4) * 4 != headerLength || (Bytes.u8(m, p + 12) >>> 4) * 4 != headerLength
                || Bytes.u8(m, p + 13) != 0x10) {
            return false;
        }
        int mss = b.length[first] - b.l4[first] - headerLength;
        int previousPayload = b.length[previous] - b.l4[previous] - headerLength;
        int nextPayload = b.length[next] - b.l4[next] - headerLength;
        int flags = Bytes.u8(m, n + 13);
        return mss > 0 && previousPayload == mss && nextPayload > 0 && nextPayload <= mss && (flags == 0x10 || flags == 0x18)
                && Bytes.u32(m, n + 4) == Bytes.u32(m, p + 4) + previousPayload;
    }

    /**
     * Writes the coalesced frame's start for the run {@code run[from..from+count)} into {@code out}: a virtio-net header of
     * {@code netHeader} bytes (10, or 12 with {@code num_buffers}, left 0 here) asking for segmentation, then the first
     * segment's headers with lengths and flags for the whole run. Returns the length of those headers: every segment's
     * payload follows them in the batch. A run of one {@link PacketBatch#gsoSize GSO} frame keeps its segment size; a run of
     * UDP datagrams is cut at the first one's payload size.
     */
    public static int header(PacketBatch batch, int[] run, int from, int count, MemorySegment out, int netHeader) {
        MemorySegment m = batch.memory();
        int first = run[from];
        int l3 = batch.l3[first];
        int l4 = batch.l4[first];
        int headers = headers(batch, first);
        int payload = 0;
        for (int k = 0; k < count; k++) {
            payload += batch.length[run[from + k]] - headers;
        }
        out.asSlice(0, netHeader).fill((byte) 0);
        MemorySegment.copy(m, batch.start[first], out, netHeader, headers);
        long f = netHeader;
        if (batch.protocol[first] == Parser.UDP) {
            Ipv4Header.length(out, f + l3, l4 - l3, headers - l3 + payload);
            Bytes.u16(out, f + l4 + 4, 8 + payload);
            Bytes.u16(out, f + l4 + 6, Checksum.fold(Checksum.pseudoHeader(out, f + l3, Parser.UDP, 8 + payload)));
            netHeader(out, GSO_UDP_L4, headers, batch.gsoSize[first] > 0 ? batch.gsoSize[first] : batch.length[first] - headers, l4, 6);
            return headers;
        }
        int last = run[from + count - 1];
        Bytes.u8(out, f + l4 + 13, Bytes.u8(m, batch.start[last] + l4 + 13)); // the last segment's flags (PSH)
        TcpSegments.offloaded(out, f + l3, f + l4, headers - l3 + payload);
        netHeader(out, headers, batch.gsoSize[first] > 0 ? batch.gsoSize[first] : batch.length[first] - headers, l4);
        return headers;
    }

    /**
     * Writes at {@code out[0, 10)} the virtio-net header of a TCP/IPv4 frame to be cut into segments of {@code gsoSize}
     * payload bytes: its headers {@code headers} bytes long, TCP at {@code l4}, whose checksum is partial
     * ({@code NEEDS_CSUM}, {@code GSO_TCPV4}, {@code hdr_len}, {@code gso_size}, {@code csum_start}, {@code csum_offset}).
     */
    public static void netHeader(MemorySegment out, int headers, int gsoSize, int l4) {
        netHeader(out, GSO_TCPV4, headers, gsoSize, l4, 16);
    }

    /** The virtio-net header of a UDP segmentation-offload frame: {@code headers} bytes of headers, datagrams of {@code gsoSize} bytes. */
    public static void udpNetHeader(MemorySegment out, int headers, int gsoSize, int l4) {
        netHeader(out, GSO_UDP_L4, headers, gsoSize, l4, 6);
    }

    private static void netHeader(MemorySegment out, int gsoType, int headers, int gsoSize, int l4, int checksumOffset) {
        out.set(ValueLayout.JAVA_BYTE, 0, (byte) NEEDS_CSUM);
        out.set(ValueLayout.JAVA_BYTE, 1, (byte) gsoType);
        le16(out, 2, headers);
        le16(out, 4, gsoSize);
        le16(out, 6, l4);
        le16(out, 8, checksumOffset);
    }

    static void le16(MemorySegment m, long at, int value) {
        m.set(ValueLayout.JAVA_BYTE, at, (byte) value);
        m.set(ValueLayout.JAVA_BYTE, at + 1, (byte) (value >>> 8));
    }
}

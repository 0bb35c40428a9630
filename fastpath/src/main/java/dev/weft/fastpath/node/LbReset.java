package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.Ipv4Header;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A new TCP connection to a load balancer's frontend whose pool has no healthy backend: refused in place with a
 * RST from the frontend, so the client fails at once instead of waiting out its retransmissions (counted by
 * {@code ip4-lookup} as {@code NO_HEALTHY_BACKEND}).
 */
public final class LbReset implements Node {

    public static final String NAME = "lb-reset";
    static final int PORT_OUTPUT = 0;

    public long resets;

    @Override
    public String name() {
        return NAME;
    }

    /** Answers in place: frames come whole. */
    @Override
    public boolean linear() {
        return true;
    }

    @Override
    public List<String> arcs() {
        return List.of(PortOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        ForwardingTables t = d.tables();
        MemorySegment m = b.memory();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int in = b.inPort[i];
            int vlan = PortOutput.vlanTag(b, i);
            reset(b, i);
            PortOutput.fromRouter(m, b.start[i], t, in);
            PortOutput.tag(b, i, vlan); // back on the VLAN the segment came on
            b.outPort[i] = in;
            resets++;
            if (d.tracing()) {
                d.trace(i, "refused: RST from " + Text.ip(b.srcIp[i]) + ":" + b.srcPort[i] + PortOutput.onVlan(vlan));
            }
            next[k] = PORT_OUTPUT;
        }
    }

    /**
     * Rewrites TCP segment {@code i} into the RST that refuses it, from its destination to its source, with a plain
     * Ethernet header (no VLAN tag) and an IPv4 header without options; the Ethernet addresses are left to the caller.
     * The columns follow.
     */
    public static void reset(PacketBatch b, int i) {
        MemorySegment m = b.memory();
        long s = b.start[i];
        long tcp = s + b.l4[i];
        int headerLength = (Bytes.u8(m, tcp + 12) >>> 4) * 4;
        int dataLength = (int) (s + b.l3[i] + Bytes.u16(m, s + b.l3[i] + 2) - tcp - headerLength);
        int flags = Bytes.u8(m, tcp + 13);
        int seq = Bytes.u32(m, tcp + 4);
        int ack = Bytes.u32(m, tcp + 8);
        int client = b.srcIp[i];
        int frontend = b.dstIp[i];
        boolean acked = (flags & 0x10) != 0;
        int replySeq = acked ? ack : 0;
        int replyAck = seq + dataLength + ((flags & 0x03) != 0 ? 1 : 0);
        long out = s + 34;
        Bytes.u16(m, s + 12, 0x0800);
        Ipv4Header.write(m, s + 14, frontend, client, 6, 40, false);
        Bytes.u16(m, out, b.dstPort[i]);
        Bytes.u16(m, out + 2, b.srcPort[i]);
        Bytes.u32(m, out + 4, replySeq);
        Bytes.u32(m, out + 8, replyAck);
        Bytes.u16(m, out + 12, 5 << 12 | (acked ? 0x04 : 0x14)); // RST, or RST-ACK to a SYN
        Bytes.u16(m, out + 14, 0);
        Bytes.u16(m, out + 16, 0);
        Bytes.u16(m, out + 18, 0);
        long sum = Checksum.sum(m, out, 20) + (frontend >>> 16) + (frontend & 0xffff) + (client >>> 16) + (client & 0xffff) + 6 + 20;
        Bytes.u16(m, out + 16, Checksum.finish(sum));
        b.truncate(i, 54);
        b.l3[i] = 14;
        b.l4[i] = 34;
        b.flags[i] = 0;
        int clientPort = b.srcPort[i];
        b.srcIp[i] = frontend;
        b.dstIp[i] = client;
        b.srcPort[i] = b.dstPort[i];
        b.dstPort[i] = clientPort;
    }
}

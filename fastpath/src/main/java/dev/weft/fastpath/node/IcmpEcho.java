package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An ICMP echo request from a port to a gateway address of its network (its own subnet's, or another subnet's): the
 * distributed router answers it in place with the echo reply (RFC 792), addresses swapped, TTL 64, the identifier,
 * sequence number and data as they came, so a VM can ping its gateway. {@code ip4-input} sends only whole (unfragmented)
 * requests here; one whose ICMP checksum is wrong is dropped ({@code BAD_ICMP_CHECKSUM}), as a host's stack drops it.
 */
public final class IcmpEcho implements Node {

    public static final String NAME = "icmp-echo";
    static final int PORT_OUTPUT = 0;

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
            long s = b.start[i];
            long ip = s + b.l3[i];
            long icmp = s + b.l4[i];
            int icmpLength = Bytes.u16(m, ip + 2) - (b.l4[i] - b.l3[i]);
            if (Checksum.fold(Checksum.sumVector(m, icmp, icmpLength)) != 0xffff) {
                next[k] = d.drop(i, DropReason.BAD_ICMP_CHECKSUM);
                continue;
            }
            int router = b.dstIp[i];
            int sender = b.srcIp[i];
            Bytes.u32(m, ip + 12, router); // swapping the addresses leaves the header's sum as it was
            Bytes.u32(m, ip + 16, sender);
            int oldTtl = Bytes.u16(m, ip + 8);
            int newTtl = 64 << 8 | (oldTtl & 0xff);
            Bytes.u16(m, ip + 8, newTtl);
            Bytes.u16(m, ip + 10, Checksum.update(Bytes.u16(m, ip + 10), oldTtl, newTtl));
            int oldType = Bytes.u16(m, icmp);
            int newType = oldType & 0xff; // type 0, echo reply; the code stays
            Bytes.u16(m, icmp, newType);
            Bytes.u16(m, icmp + 2, Checksum.update(Bytes.u16(m, icmp + 2), oldType, newType));
            PortOutput.fromRouter(m, s, t, in);
            b.srcIp[i] = router;
            b.dstIp[i] = sender;
            b.dstPort[i] = 0;
            b.outPort[i] = in;
            if (d.tracing()) {
                d.trace(i, "echo reply from the router's " + Text.ip(router) + " to " + Text.ip(sender) + PortOutput.onVlan(PortOutput.vlanTag(b, i)));
            }
            next[k] = PORT_OUTPUT;
        }
    }
}

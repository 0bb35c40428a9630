package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.Neighbors;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * ARP on the uplink: learns the sender's MAC when it is on the logical network's subnet (the default gateway,
 * other hosts), and answers a request only for a public address this host owns: a local port's, or a NAT
 * gateway's it serves. Another host's address is never answered here.
 */
public final class UplinkArp implements Node {

    public static final String NAME = "uplink-arp";
    static final int UPLINK_OUTPUT = 0;

    private final Neighbors neighbors;

    public UplinkArp(Neighbors neighbors) {
        this.neighbors = neighbors;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(UplinkOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        MemorySegment m = b.memory();
        long own = neighbors.ownMac();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            long s = b.start[i];
            long a = s + b.l3[i];
            long sender = Bytes.mac(m, a + 8);
            int senderIp = b.srcIp[i];
            if (senderIp != 0 && (senderIp & t.uplinkMask) == t.uplinkNetwork && t.owner(senderIp) == ForwardingTables.NOT_OWNED
                    && (sender & 0x0100_0000_0000L) == 0) {
                neighbors.learn(senderIp, sender);
            }
            if (b.protocol[i] != 1) {
                if (tracing) {
                    d.trace(i, "reply: " + Text.ip(senderIp) + " is-at " + Text.mac(sender) + ", learned");
                }
                next[k] = Dispatch.DROPPED; // consumed, not a drop
                continue;
            }
            int target = b.dstIp[i];
            if (t.owner(target) == ForwardingTables.NOT_OWNED) {
                next[k] = d.drop(i, DropReason.NOT_OWNED);
                continue;
            }
            Bytes.mac(m, s, sender);
            Bytes.mac(m, s + 6, own);
            Bytes.u16(m, a + 6, 2);
            Bytes.mac(m, a + 18, sender);
            Bytes.u32(m, a + 24, senderIp);
            Bytes.mac(m, a + 8, own);
            Bytes.u32(m, a + 14, target);
            if (tracing) {
                d.trace(i, Text.ip(target) + " is-at " + Text.mac(own) + " (a public address of this host)");
            }
            next[k] = UPLINK_OUTPUT;
        }
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.Neighbors;
import java.util.List;

/**
 * Frames from the host's uplink (the logical network, e.g. the internet): ARP to {@code uplink-arp}, IPv4
 * addressed to the uplink's MAC to {@code nat-in}, unless it claims to come from a public address this host owns (only the
 * host itself sends from those: what it turns back in, {@link PacketBatch#TURNED_BACK}). Everything else is dropped and
 * counted.
 */
public final class UplinkInput implements Node {

    public static final String NAME = "uplink-input";
    static final int ARP = 0;
    static final int NAT_IN = 1;

    private final Neighbors neighbors;

    public UplinkInput(Neighbors neighbors) {
        this.neighbors = neighbors;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(UplinkArp.NAME, NatIn.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        long own = neighbors.ownMac();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            if (d.tables().uplink == null) {
                next[k] = d.drop(i, DropReason.NOT_OWNED);
                continue;
            }
            int kind = Parser.parse(b, i);
            if (kind == Parser.ARP) {
                if (tracing) {
                    d.trace(i, "ARP " + (b.protocol[i] == 1 ? "who-has " + Text.ip(b.dstIp[i]) + " tell " : "reply from ") + Text.ip(b.srcIp[i]));
                }
                next[k] = ARP;
            } else if (kind == Parser.IPV4) {
                if (Bytes.mac(b.memory(), b.start[i]) != own) {
                    next[k] = d.drop(i, DropReason.NOT_OWNED);
                    continue;
                }
                if (d.tables().owner(b.srcIp[i]) != ForwardingTables.NOT_OWNED && b.underlaySource[i] != PacketBatch.TURNED_BACK) {
                    next[k] = d.drop(i, DropReason.SPOOFED_SOURCE); // from outside, "from" an address only this host may send from
                    continue;
                }
                if (tracing) {
                    d.trace(i, Text.flow(b, i) + " from the uplink");
                }
                next[k] = NAT_IN;
            } else {
                next[k] = d.drop(i, DropReason.values()[b.reason[i]]);
            }
        }
    }
}

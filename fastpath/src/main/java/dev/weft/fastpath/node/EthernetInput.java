package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import java.util.List;

/** Parses Ethernet, ARP and IPv4 with its L4 header into the batch's columns; sends ARP and IPv4 on, drops the rest. */
public final class EthernetInput implements Node {

    public static final String NAME = "ethernet-input";
    static final int ARP = 0;
    static final int IP4 = 1;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(ArpReply.NAME, Ip4Input.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int kind = Parser.parse(b, i);
            if (kind == Parser.IPV4) {
                if (tracing) {
                    d.trace(i, Text.flow(b, i) + ((b.flags[i] & Parser.FLAG_FRAGMENT) != 0 ? " (fragment)" : "")
                            + PortOutput.onVlan(PortOutput.vlanTag(b, i)));
                }
                next[k] = IP4;
            } else if (kind == Parser.ARP) {
                if (tracing) {
                    d.trace(i, "ARP " + (b.protocol[i] == 1 ? "who-has " + Text.ip(b.dstIp[i]) + " tell " : "reply from ")
                            + Text.ip(b.srcIp[i]));
                }
                next[k] = ARP;
            } else {
                next[k] = d.drop(i, DropReason.values()[b.reason[i]]);
            }
        }
    }
}

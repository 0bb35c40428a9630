package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Nat;
import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/**
 * Source NAT of a flow leaving by the uplink: the address and port its decision carries (a public address, a NAT gateway's
 * port). An ICMP error's carried packet, which came in translated the other way, gets the same address and port back.
 */
public final class NatOut implements Node {

    public static final String NAME = "nat-out";
    static final int UPLINK_OUTPUT = 0;

    public long translated;

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
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            String was = tracing ? Text.ip(b.srcIp[i]) + ":" + b.srcPort[i] : null;
            Nat.translateSource(b, i, b.natAddress[i], b.natPort[i]); // an ICMP error's carried packet too, as its flow was
            translated++;
            if (tracing) {
                d.trace(i, "source " + was + " → " + Text.ip(b.natAddress[i]) + ":" + b.natPort[i]);
            }
            next[k] = UPLINK_OUTPUT;
        }
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.flow.FlowCache;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Applies a flow's header transposition: for a routed flow the MACs (router MAC as source), TTL and
 * RFC 1624 checksum update; then on to the port or to encapsulation. A routed packet whose TTL runs out here goes to
 * {@code icmp-time-exceeded}, before any translation, so the error carries it as its sender sent it.
 */
public final class Rewrite implements Node {

    public static final String NAME = "rewrite";
    static final int PORT_OUTPUT = 0;
    static final int VXLAN_ENCAP = 1;
    static final int NVGRE_ENCAP = 2;
    static final int NAT_OUT = 3;
    static final int TIME_EXCEEDED = 4;

    public long routed;
    public long switched;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(PortOutput.NAME, VxlanEncap.NAME, NvgreEncap.NAME, NatOut.NAME, IcmpTimeExceeded.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        MemorySegment m = b.memory();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int action = b.action[i];
            if ((action & FlowCache.ROUTE) != 0 && Bytes.u8(m, b.start[i] + b.l3[i] + 8) <= 1) {
                if (tracing) {
                    d.trace(i, "routed: TTL " + Bytes.u8(m, b.start[i] + b.l3[i] + 8) + ", expires here");
                }
                next[k] = TIME_EXCEEDED;
                continue;
            }
            if ((action & FlowCache.DNAT) != 0) {
                String was = tracing ? Text.ip(b.dstIp[i]) + ":" + b.dstPort[i] : null;
                dev.weft.fastpath.packet.Nat.translateDestination(b, i, b.natAddress[i], b.natPort[i]); // a client's error too
                if (tracing) {
                    d.trace(i, "load balanced: destination " + was + " → " + Text.ip(b.natAddress[i]) + ":" + b.natPort[i]);
                }
            } else if ((action & FlowCache.UNNAT) != 0) {
                String was = tracing ? Text.ip(b.srcIp[i]) + ":" + b.srcPort[i] : null;
                dev.weft.fastpath.packet.Nat.translateSource(b, i, b.natAddress[i], b.natPort[i]); // a backend's error too
                if (tracing) {
                    d.trace(i, "a backend's reply: source " + was + " → the frontend " + Text.ip(b.natAddress[i]) + ":" + b.natPort[i]);
                }
            }
            if ((action & FlowCache.ROUTE) != 0) {
                long s = b.start[i];
                long ip = s + b.l3[i];
                int ttl = Bytes.u8(m, ip + 8);
                int old = Bytes.u16(m, ip + 8);
                int now = old - 0x0100;
                Bytes.u16(m, ip + 8, now);
                Bytes.u16(m, ip + 10, Checksum.update(Bytes.u16(m, ip + 10), old, now));
                routed++;
                if ((action & FlowCache.UPLINK) != 0) { // uplink-output writes the uplink's MACs
                    if (tracing) {
                        d.trace(i, "routed: TTL " + ttl + " → " + (ttl - 1));
                    }
                    next[k] = NAT_OUT;
                    continue;
                }
                Bytes.mac(m, s, b.nextHopMac[i]);
                Bytes.mac(m, s + 6, ForwardingTables.ROUTER_MAC);
                if (tracing) {
                    d.trace(i, "routed: TTL " + ttl + " → " + (ttl - 1) + ", destination MAC " + Text.mac(b.nextHopMac[i])
                            + ", source MAC " + Text.mac(ForwardingTables.ROUTER_MAC));
                }
            } else {
                switched++;
                if (tracing) {
                    d.trace(i, "switched: headers unchanged");
                }
            }
            if ((action & FlowCache.UPLINK) != 0) {
                next[k] = NAT_OUT;
            } else if ((action & FlowCache.DELIVER) != 0) {
                next[k] = PORT_OUTPUT;
            } else {
                next[k] = b.encap[i] == ForwardingTables.NVGRE ? NVGRE_ENCAP : VXLAN_ENCAP;
            }
        }
    }
}

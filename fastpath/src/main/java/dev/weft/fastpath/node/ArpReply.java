package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Answers ARP requests from local ports, in place: for the gateway (the distributed router's MAC) and for
 * known addresses of the port's own subnet. Never floods: anything else is dropped, as is ARP from the underlay.
 */
public final class ArpReply implements Node {

    public static final String NAME = "arp";
    static final int PORT_OUTPUT = 0;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(PortOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        MemorySegment m = b.memory();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int in = b.inPort[i];
            if (in < 0 || b.protocol[i] != 1) {
                next[k] = d.drop(i, DropReason.ARP_NOT_ANSWERED);
                continue;
            }
            long s = b.start[i];
            long a = s + b.l3[i];
            int target = b.dstIp[i];
            long requester = Bytes.mac(m, a + 8);
            // a backend of a floating frontend may ask from that address (it holds it, and Linux asks from a packet's source)
            if (requester != t.portMac[in] || (b.srcIp[i] != t.portIp[in] && !(t.balances() && t.isFloatingSource(in, b.srcIp[i])))) {
                next[k] = d.drop(i, DropReason.SPOOFED_SOURCE);
                continue;
            }
            long answer;
            if (target == t.portGateway[in] || t.isGateway(t.portVni[in], target) || t.isFrontend(t.portVni[in], target)) {
                answer = ForwardingTables.ROUTER_MAC;
            } else {
                int entry = t.lookup(t.portVni[in], target);
                if (entry < 0 || (target & t.portSubnetMask[in]) != t.portSubnet[in]) {
                    next[k] = d.drop(i, DropReason.ARP_NOT_ANSWERED);
                    continue;
                }
                answer = t.entryMac[entry];
            }
            Bytes.mac(m, s, requester);
            Bytes.mac(m, s + 6, answer);
            Bytes.u16(m, a + 6, 2);
            Bytes.mac(m, a + 18, requester);
            Bytes.u32(m, a + 24, b.srcIp[i]);
            Bytes.mac(m, a + 8, answer);
            Bytes.u32(m, a + 14, target);
            b.outPort[i] = in;
            if (tracing) {
                d.trace(i, Text.ip(target) + " is-at " + Text.mac(answer));
            }
            next[k] = PORT_OUTPUT;
        }
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A routed packet whose TTL ran out (it came to the distributed router with TTL 1 or 0): answered in place with an ICMP
 * time exceeded (type 11, code 0; RFC 792, RFC 1812 §5.3.1) from the router's address on the sender's subnet, carrying
 * the packet's IPv4 header and as much of what follows as keeps the error within 576 bytes (RFC 1812 §4.3.2.3), so
 * traceroute shows the router as a hop. Only a packet from a local port is answered (its own, or one a port that forwards
 * IP, a virtual appliance, forwards: the error goes to the packet's source through the appliance, the way the packet
 * came), and never a later fragment, a packet to a broadcast or multicast address, or an ICMP message other than an echo
 * (RFC 1812 §4.3.2.7); those are dropped as {@code TTL_EXPIRED}, as is a packet from another host or the uplink. The
 * error goes back to the port the packet came from; it is no bigger than what the port sent plus 28 bytes, and goes
 * nowhere else.
 */
public final class IcmpTimeExceeded implements Node {

    public static final String NAME = "icmp-time-exceeded";
    static final int PORT_OUTPUT = 0;
    /** The longest error: an IPv4 header, the ICMP header and the carried packet (RFC 1812 §4.3.2.3). */
    static final int MAX_ERROR = 576;
    private static final int HEADERS = 20 + 8;

    @Override
    public String name() {
        return NAME;
    }

    /** Answers in place, carrying the packet past its headers: frames come whole. */
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
            String not = unanswered(b, i, t);
            long ip = b.start[i] + b.l3[i];
            long at = ip - HEADERS - 14;
            int vlan = PortOutput.vlanTag(b, i);
            if (not == null && at - (vlan != 0 ? 4 : 0) < b.slotBase(i)) {
                not = "no room in front of the frame";
            }
            if (not != null) {
                if (d.tracing()) {
                    d.trace(i, "no ICMP error: " + not);
                }
                next[k] = d.drop(i, DropReason.TTL_EXPIRED);
                continue;
            }
            int in = b.inPort[i];
            int router = t.portGateway[in];
            int sender = b.srcIp[i];
            int carried = Math.min(Math.min(Bytes.u16(m, ip + 2), b.length[i] - b.l3[i]), MAX_ERROR - HEADERS);
            long icmp = ip - 8;
            Bytes.u32(m, icmp, 11 << 24); // type 11 (time exceeded), code 0 (in transit), checksum 0 for now
            Bytes.u32(m, icmp + 4, 0);
            Bytes.u16(m, icmp + 2, Checksum.finish(Checksum.sum(m, icmp, 8 + carried)));
            DnsServer.replyHeaders(m, at, t, in, sender, Parser.ICMP, 8 + carried); // from the port's gateway to the port
            Bytes.u16(m, at + 12, 0x0800);
            b.start[i] = (int) at;
            b.truncate(i, 14 + HEADERS + carried);
            b.l3[i] = 14;
            b.l4[i] = 14 + 20;
            b.protocol[i] = Parser.ICMP;
            b.srcIp[i] = router;
            b.dstIp[i] = sender;
            b.srcPort[i] = 0;
            b.dstPort[i] = 0;
            b.flags[i] = 0;
            PortOutput.tag(b, i, vlan); // back on the VLAN the packet came on
            b.outPort[i] = in;
            if (d.tracing()) {
                d.trace(i, "time exceeded: ICMP type 11 from the router's " + Text.ip(router) + " back to " + Text.ip(sender)
                        + ", carrying the first " + carried + " bytes of the packet" + PortOutput.onVlan(vlan));
            }
            next[k] = PORT_OUTPUT;
        }
    }

    /** Why packet {@code i} gets no error, or null when it gets one. */
    private static String unanswered(PacketBatch b, int i, ForwardingTables t) {
        int in = b.inPort[i];
        if (in < 0) {
            return "the sender is not a port on this host";
        }
        if (b.srcIp[i] != t.portIp[in] && !t.portForwards[in]) {
            return "the source is not the port's own address";
        }
        if ((Bytes.u16(b.memory(), b.start[i] + b.l3[i] + 6) & 0x1fff) != 0) {
            return "a later fragment";
        }
        int dst = b.dstIp[i];
        if (dst == -1 || (dst >>> 28) == 0xe) {
            return "to a broadcast or multicast address";
        }
        if (b.protocol[i] == Parser.ICMP && (b.flags[i] & Parser.FLAG_ECHO) == 0) {
            return "an ICMP message other than an echo";
        }
        return null;
    }
}

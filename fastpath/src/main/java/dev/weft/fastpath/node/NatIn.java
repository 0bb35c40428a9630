package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.FlowHash;
import dev.weft.fastpath.packet.IcmpError;
import dev.weft.fastpath.packet.Nat;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.NatSessions;
import java.util.List;

/**
 * Destination NAT of what arrives on the uplink, before the flow is looked up, so the rest of the path (and
 * the port's security groups) sees the VM's own address: a local port's public address becomes the port's
 * address (one-to-one); a NAT gateway's address and port become the private address and port of the
 * translation they belong to, and the frame takes that flow's VNI. An ICMP error about a packet that left by a
 * public address (destination unreachable, time exceeded: what path MTU discovery and traceroute rely on) follows the
 * translation of the packet it carries, which is translated back too (RFC 5508). Anything else is dropped: an address
 * this host doesn't own, or a NAT gateway's port that no translation holds for the sender (unsolicited), or an error
 * about a packet no translation sent.
 */
public final class NatIn implements Node {

    public static final String NAME = "nat-in";
    static final int FLOW_LOOKUP = 0;
    static final int UPLINK_OUTPUT = 1;

    private final NatSessions sessions;
    private final dev.weft.fastpath.lb.LbSessions balanced;

    public NatIn(NatSessions sessions, dev.weft.fastpath.lb.LbSessions balanced) {
        this.sessions = sessions;
        this.balanced = balanced;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(FlowLookup.NAME, UplinkOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int dst = b.dstIp[i];
            int owner = t.owner(dst);
            if (owner == ForwardingTables.NOT_OWNED) {
                next[k] = d.drop(i, DropReason.NOT_OWNED);
                continue;
            }
            String was = tracing ? Text.ip(dst) + ":" + port(b, i) : null;
            b.natSession[i] = -1; // the balanced connection, for ip4-lookup
            if (owner == ForwardingTables.LB_FRONTEND) {
                dev.weft.fastpath.table.Balancer rule = (b.protocol[i] == Parser.TCP || b.protocol[i] == Parser.UDP)
                        && (b.flags[i] & Parser.FLAG_FRAGMENT) == 0 ? t.publicFrontend(dst, b.protocol[i], b.dstPort[i]) : null;
                if (rule == null) {
                    next[k] = d.drop(i, DropReason.NOT_OWNED); // no rule on that port
                    continue;
                }
                int hash = dev.weft.fastpath.packet.FlowHash.hash(b.srcIp[i], dst, b.protocol[i], b.srcPort[i], b.dstPort[i], b.inPort[i]);
                int s = balanced.connect(t, rule, b.protocol[i], b.srcIp[i], b.srcPort[i], hash);
                if (s < 0) {
                    d.drop(i, DropReason.NO_HEALTHY_BACKEND); // counted; a TCP client is told at once
                    if (b.protocol[i] == Parser.TCP && DnsServer.answerable(b, i)) {
                        LbReset.reset(b, i);
                        if (tracing) {
                            d.trace(i, was + ": load balancer rule " + rule.name() + " has no healthy backend: refused with a RST");
                        }
                        next[k] = UPLINK_OUTPUT;
                    } else {
                        next[k] = Dispatch.DROPPED;
                    }
                    continue;
                }
                dev.weft.fastpath.lb.LbSessions.Session session = balanced.session(s);
                b.natSession[i] = s;
                b.natStamp[i] = balanced.stamp(s);
                b.vni[i] = rule.vni();
                if (!rule.floatingIp()) {
                    Nat.destination(b, i, session.backend(), session.backendPort());
                }
                if (tracing) {
                    d.trace(i, was + " is load balancer rule " + rule.name() + "'s public frontend: backend " + Text.ip(session.backend()) + ":"
                            + session.backendPort() + " in VNI " + rule.vni() + " (Maglev, kept for the connection)");
                }
            } else if (owner >= 0) {
                b.vni[i] = t.portVni[owner];
                if (IcmpError.is(b, i)) { // about a packet the port sent from its public address: back in the port's terms
                    if (IcmpError.source(b, i) != dst) {
                        next[k] = d.drop(i, DropReason.NAT_NO_SESSION);
                        continue;
                    }
                    IcmpError.toPrivate(b, i, t.portIp[owner], IcmpError.sourcePort(b, i));
                    if (tracing) {
                        d.trace(i, "ICMP error to " + was + ", the public address of port " + t.ports[owner].name() + ": to "
                                + Text.ip(b.dstIp[i]) + ", the packet it carries translated back");
                    }
                } else {
                    Nat.destination(b, i, t.portIp[owner], port(b, i));
                    if (tracing) {
                        d.trace(i, was + " is the public address of port " + t.ports[owner].name() + ": destination " + Text.ip(b.dstIp[i]));
                    }
                }
            } else if (IcmpError.is(b, i)) { // about a packet a NAT gateway translation sent: to the translation's VM
                int s = IcmpError.source(b, i) == dst ? sessions.reverse(dst, IcmpError.protocol(b, i), IcmpError.sourcePort(b, i),
                        IcmpError.destination(b, i), IcmpError.destinationPort(b, i)) : -1;
                if (s < 0) {
                    next[k] = d.drop(i, DropReason.NAT_NO_SESSION);
                    continue;
                }
                b.vni[i] = sessions.vni(s);
                IcmpError.toPrivate(b, i, sessions.privateIp(s), sessions.privatePort(s));
                if (tracing) {
                    d.trace(i, "ICMP error to " + Text.ip(dst) + " about NAT gateway " + t.natName[-2 - owner] + "'s translation for "
                            + Text.ip(b.dstIp[i]) + ":" + sessions.privatePort(s) + " in VNI " + b.vni[i] + ": the packet it carries translated back");
                }
            } else {
                if ((b.flags[i] & Parser.FLAG_FRAGMENT) != 0) {
                    next[k] = d.drop(i, DropReason.FRAGMENT_FILTERED); // a NAT gateway translates by port
                    continue;
                }
                int protocol = b.protocol[i];
                int s = protocol == Parser.TCP || protocol == Parser.UDP || (protocol == Parser.ICMP && (b.flags[i] & Parser.FLAG_ECHO) != 0)
                        ? sessions.reverse(dst, protocol, port(b, i), b.srcIp[i], b.srcPort[i]) : -1;
                if (s < 0) {
                    if (tracing) {
                        d.trace(i, was + " is NAT gateway " + t.natName[-2 - owner] + "'s address, and no connection it translated is with "
                                + Text.ip(b.srcIp[i]) + ":" + b.srcPort[i] + " on that port: a NAT gateway lets in only the replies to connections from inside");
                    }
                    next[k] = d.drop(i, DropReason.NAT_NO_SESSION);
                    continue;
                }
                sessions.ends(s, b.tcpFlags(i));
                b.vni[i] = sessions.vni(s);
                Nat.destination(b, i, sessions.privateIp(s), sessions.privatePort(s));
                if (tracing) {
                    d.trace(i, was + " belongs to NAT gateway " + t.natName[-2 - owner] + "'s translation for "
                            + Text.ip(b.dstIp[i]) + ":" + port(b, i) + " in VNI " + b.vni[i]);
                }
            }
            b.hash[i] = FlowHash.hash(b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i], b.inPort[i]);
            next[k] = FLOW_LOOKUP;
        }
    }

    /** The destination port, or an ICMP echo's identifier. */
    static int port(PacketBatch b, int i) {
        return b.protocol[i] == Parser.ICMP ? b.srcPort[i] : b.dstPort[i];
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.IcmpError;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.security.AuditSink;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.fastpath.security.PortSecurity;
import dev.weft.fastpath.security.RuleTable;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.ArrayList;
import java.util.List;

/**
 * The distributed stateful firewall (network security groups) for a new flow or a cache miss: the
 * outbound layers of the port it comes from, then the inbound layers of the local port it goes to. A
 * reply to a flow the port's layers allowed the other way passes; anything else is classified (Vector
 * API) and remembered in connection tracking. Entries checked under an older table generation are
 * checked again, and removed when the new rules deny them. Writes flow records of logged rules.
 */
public final class Security implements Node {

    public static final String NAME = "security";
    static final int FLOW_LEARN = 0;

    private final Conntrack conntrack;
    private volatile AuditSink audit;

    public Security(Conntrack conntrack) {
        this.conntrack = conntrack;
        conntrack.onEnd(note -> {
            AuditSink sink = audit;
            if (sink != null && note instanceof FlowNote n) {
                sink.flow(false, n.port(), n.direction(), n.group(), n.rule(), true, n.protocol(), n.src(), n.srcPort(), n.dst(), n.dstPort());
            }
        });
    }

    /** What an allowed flow of a logged rule needs for its end record. */
    private record FlowNote(String port, int direction, String group, String rule, int protocol, int src, int srcPort, int dst, int dstPort) {
    }

    public void audit(AuditSink sink) {
        this.audit = sink;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(FlowLearn.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            b.admittedBy[i] = -1;
            int in = b.inPort[i];
            int out = b.outPort[i];
            if ((in >= 0 && !allows(b, i, t, in, Conntrack.OUTBOUND, d)) || (out >= 0 && !allows(b, i, t, out, Conntrack.INBOUND, d))) {
                next[k] = Dispatch.DROPPED; // allows() counted the drop
                continue;
            }
            next[k] = FLOW_LEARN;
        }
    }

    private static String direction(int dir) {
        return dir == Conntrack.INBOUND ? "inbound" : "outbound";
    }

    private boolean allows(PacketBatch b, int i, ForwardingTables t, int port, int dir, Dispatch d) {
        PortSecurity security = t.ports[port].security();
        if (security == null) {
            if (d.tracing()) {
                d.trace(i, direction(dir) + " " + t.ports[port].name() + ": no security group, allowed");
            }
            return true;
        }
        if ((b.flags[i] & Parser.FLAG_FRAGMENT) != 0) {
            if (d.tracing()) {
                d.trace(i, direction(dir) + " " + t.ports[port].name() + ": a fragment can't be classified by ports: dropped");
            }
            d.drop(i, DropReason.FRAGMENT_FILTERED);
            return false;
        }
        // Inbound, a load balancer's translation is seen as the port will see it: the backend is filtered by its own
        // address and port, and a client sees its reply come from the frontend its outbound flow went to.
        boolean toBackend = dir == Conntrack.INBOUND && (b.action[i] & dev.weft.fastpath.flow.FlowCache.DNAT) != 0;
        boolean fromFrontend = dir == Conntrack.INBOUND && (b.action[i] & dev.weft.fastpath.flow.FlowCache.UNNAT) != 0;
        int src = fromFrontend ? b.natAddress[i] : b.srcIp[i];
        int dst = toBackend ? b.natAddress[i] : b.dstIp[i];
        int protocol = b.protocol[i];
        int srcPort = fromFrontend ? b.natPort[i] : b.srcPort[i];
        int dstPort = toBackend ? b.natPort[i] : protocol == Parser.ICMP ? srcPort : b.dstPort[i]; // ICMP echo: the identifier both ways
        int id = t.portId[port]; // tracked by the port's stable id, not its index in this snapshot
        if (IcmpError.is(b, i)) {
            int from = toBackend ? b.natAddress[i] : IcmpError.source(b, i); // a client's error: about the backend's reply
            int to = fromFrontend ? b.natAddress[i] : IcmpError.destination(b, i); // a backend's error: about the client's flow to the frontend
            int about = IcmpError.protocol(b, i);
            int fromPort = toBackend ? b.natPort[i] : IcmpError.sourcePort(b, i);
            int toPort = fromFrontend ? b.natPort[i] : IcmpError.destinationPort(b, i);
            // related: an error about a packet of a flow tracked the other way (the packet it carries went out, the error comes
            // in), or about a reply of a flow tracked the error's way (the reply went out, the error comes back)
            int entry = conntrack.find(id, 1 - dir, from, to, about, fromPort, toPort);
            if (entry < 0) {
                entry = conntrack.find(id, dir, to, from, about, toPort, fromPort);
            }
            if (entry >= 0 && conntrack.generation(entry) == t.generation) {
                if (d.tracing()) {
                    d.trace(i, direction(dir) + " " + t.ports[port].name() + ": ICMP error about a tracked flow, allowed");
                }
                return true;
            }
        }
        int reverse = conntrack.find(id, 1 - dir, dst, src, protocol, dstPort, srcPort);
        if (reverse >= 0) {
            b.admittedBy[i] = reverse;
            conntrack.replied(reverse);
            if (conntrack.generation(reverse) == t.generation) {
                if (d.tracing()) {
                    d.trace(i, direction(dir) + " " + t.ports[port].name() + ": reply of a tracked flow, allowed");
                }
                return true;
            }
            List<RuleTable> original = dir == Conntrack.INBOUND ? security.outbound() : security.inbound();
            if (PortSecurity.allows(original, dst, src, protocol, dstPort, srcPort, null)) {
                conntrack.checked(reverse, t.generation);
                return true;
            }
            conntrack.remove(reverse);
            d.drop(i, DropReason.SECURITY_DENIED);
            return false;
        }
        int same = conntrack.find(id, dir, src, dst, protocol, srcPort, dstPort);
        if (same >= 0 && conntrack.generation(same) == t.generation) {
            b.admittedBy[i] = same;
            if (d.tracing()) {
                d.trace(i, direction(dir) + " " + t.ports[port].name() + ": tracked flow, allowed");
            }
            return true;
        }
        List<RuleTable> layers = dir == Conntrack.INBOUND ? security.inbound() : security.outbound();
        AuditSink sink = audit;
        String portName = t.ports[port].name();
        List<FlowNote> logged = new ArrayList<>(2);
        List<Boolean> verdicts = new ArrayList<>(2);
        List<String> deciding = d.tracing() ? new ArrayList<>(2) : null;
        PortSecurity.RuleHits hits = (layer, rule, allowed) -> {
            layer.hits.incrementAndGet(rule);
            RuleTable.Rule r = layer.rules().get(rule);
            if (deciding != null) {
                deciding.add((allowed ? "allowed by " : "denied by ") + layer.group + "/" + r.name());
            }
            if (sink != null && r.logging()) {
                logged.add(new FlowNote(portName, dir, layer.group, r.name(), protocol, src, srcPort, dst, dstPort));
                verdicts.add(allowed);
            }
        };
        boolean allowed = PortSecurity.allows(layers, src, dst, protocol, srcPort, dstPort, hits);
        if (deciding != null) {
            d.trace(i, direction(dir) + " " + portName + ": " + (deciding.isEmpty() ? "no rule matched" : String.join(", then ", deciding)));
        }
        if (allowed) {
            if (same >= 0) {
                conntrack.checked(same, t.generation);
                b.admittedBy[i] = same;
            } else {
                int entry = conntrack.add(id, dir, src, dst, protocol, srcPort, dstPort, t.generation);
                if (entry < 0) {
                    d.drop(i, DropReason.CONNTRACK_FULL); // the port's share of connection tracking is used up
                    return false;
                }
                b.admittedBy[i] = entry;
                if (!logged.isEmpty()) {
                    conntrack.note(entry, logged.getLast());
                }
            }
            begin(sink, logged, verdicts);
            return true;
        }
        if (same >= 0) {
            conntrack.remove(same);
        }
        begin(sink, logged, verdicts);
        d.drop(i, DropReason.SECURITY_DENIED);
        return false;
    }

    /** The begin records of a decided flow, written once its fate is known (not for a flow dropped for lack of tracking room). */
    private static void begin(AuditSink sink, List<FlowNote> logged, List<Boolean> verdicts) {
        for (int k = 0; k < logged.size(); k++) {
            FlowNote n = logged.get(k);
            sink.flow(true, n.port(), n.direction(), n.group(), n.rule(), verdicts.get(k), n.protocol(), n.src(), n.srcPort(), n.dst(), n.dstPort());
        }
    }
}

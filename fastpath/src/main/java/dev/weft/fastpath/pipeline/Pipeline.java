package dev.weft.fastpath.pipeline;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.Counters;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.FlowHash;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.security.AuditSink;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.fastpath.security.PortSecurity;
import dev.weft.fastpath.security.RuleTable;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One worker's packet path, VPP-style: each stage loops over the whole batch. Decapsulate underlay
 * frames → parse → flow hash (Vector API) → per packet: the flow cache, or on a miss the slow path
 * (ARP, anti-spoofing, switch/route/deliver/encapsulate decision, tenant isolation), cached as a header
 * transposition → apply it. Every packet ends with a verdict in the batch: to a local port, to the
 * underlay, or dropped with a counted reason. The tables are read once per batch; no locks.
 */
public final class Pipeline {

    private final FlowCache cache;
    private final Conntrack conntrack;
    private volatile AuditSink audit;
    /** The conntrack entry the last {@link #allows} call used or made (-1: none), for the flow cache. */
    private int admittedBy;
    private final Counters counters = new Counters();
    private boolean vectorHash = true;

    public Pipeline(int flowCacheSize) {
        this(flowCacheSize, new Conntrack(1 << 16));
    }

    public Pipeline(int flowCacheSize, Conntrack conntrack) {
        this.cache = new FlowCache(flowCacheSize);
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

    /** Flow records of rules with logging enabled go to {@code sink}. */
    public Pipeline audit(AuditSink sink) {
        this.audit = sink;
        return this;
    }

    public Counters counters() {
        return counters;
    }

    /** Use the scalar flow hash instead of the Vector API one (for benchmarks). */
    public Pipeline scalarHash() {
        vectorHash = false;
        return this;
    }

    public void process(PacketBatch b, ForwardingTables t) {
        int n = b.count();
        conntrack.tick();
        counters.received += n;
        for (int i = 0; i < n; i++) {
            b.verdict[i] = PacketBatch.DROP;
            b.reason[i] = 0;
            if (b.inPort[i] == PacketBatch.UNDERLAY) {
                b.reason[i] = Encap.decapsulate(b, i);
            } else if (b.inPort[i] < 0 || b.inPort[i] >= t.portCount()) {
                b.reason[i] = DropReason.UNKNOWN_SOURCE_PORT.ordinal();
            } else {
                b.vni[i] = t.portVni[b.inPort[i]];
            }
        }
        for (int i = 0; i < n; i++) {
            if (b.reason[i] == 0) {
                Parser.parse(b, i);
            } else {
                b.kind[i] = Parser.DROP;
            }
        }
        if (vectorHash) {
            FlowHash.vector(b, n);
        } else {
            FlowHash.scalar(b, n);
        }
        for (int i = 0; i < n; i++) {
            if (b.kind[i] == Parser.ARP) {
                arp(b, i, t);
            } else if (b.kind[i] == Parser.IPV4) {
                forward(b, i, t);
            }
            if (b.verdict[i] == PacketBatch.DROP) {
                counters.drop(b.reason[i] == 0 ? DropReason.NONE.ordinal() : b.reason[i]);
            }
        }
    }

    private void forward(PacketBatch b, int i, ForwardingTables t) {
        MemorySegment m = b.memory();
        long s = b.start[i];
        int in = b.inPort[i];
        if (in >= 0 && Bytes.mac(m, s + 6) != t.portMac[in]) {
            b.reason[i] = DropReason.SPOOFED_SOURCE.ordinal();
            return;
        }
        int input = in >= 0 ? in : 0x8000_0000 | b.vni[i];
        int slot = cache.find(b.hash[i], t.generation, input, b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i]);
        if (slot >= 0 && cache.conntrack[slot] >= 0 && !conntrack.touch(cache.conntrack[slot],
                b.protocol[i] == Parser.TCP && b.l4[i] > 0 ? Bytes.u8(m, s + b.l4[i] + 13) : 0)) {
            slot = -1; // the flow's tracking entry expired: decide it again
        }
        if (slot < 0) {
            counters.flowMisses++;
            slot = decide(b, i, t, input);
            if (slot < 0) {
                return; // dropped, reason set; drops are not cached so the reason is always counted right
            }
        } else {
            counters.flowHits++;
        }
        apply(b, i, t, slot);
    }

    /** The slow path: decides what happens to this flow and caches it; -1 (with a reason) to drop. */
    private int decide(PacketBatch b, int i, ForwardingTables t, int input) {
        admittedBy = -1;
        int vni = b.vni[i];
        int dst = b.dstIp[i];
        int in = b.inPort[i];
        if (in == PacketBatch.UNDERLAY) {
            if (!t.knowsVni(vni)) {
                b.reason[i] = DropReason.UNKNOWN_VNI.ordinal();
                return -1;
            }
            int entry = t.lookup(vni, dst);
            if (entry < 0 || t.entryPort[entry] < 0 || t.portVni[t.entryPort[entry]] != vni) {
                b.reason[i] = DropReason.NOT_A_LOCAL_PORT.ordinal(); // tenant isolation: only this VNI's own ports
                return -1;
            }
            if (!allows(b, i, t, t.entryPort[entry], Conntrack.INBOUND)) {
                return -1;
            }
            return cache.store(b.hash[i], t.generation, input, b.srcIp[i], dst, b.protocol[i], b.srcPort[i], b.dstPort[i],
                    FlowCache.DELIVER, t.entryPort[entry], 0, 0, 0, admittedBy);
        }
        if (b.srcIp[i] != t.portIp[in]) {
            b.reason[i] = DropReason.SPOOFED_SOURCE.ordinal();
            return -1;
        }
        int entry = t.lookup(vni, dst);
        if (entry < 0) {
            b.reason[i] = (t.subnetOf(vni, dst) != 0 ? DropReason.UNKNOWN_DESTINATION : DropReason.NO_ROUTE).ordinal();
            return -1;
        }
        boolean sameSubnet = (dst & t.portSubnetMask[in]) == t.portSubnet[in];
        int route = sameSubnet ? 0 : FlowCache.ROUTE;
        if (!sameSubnet && Bytes.mac(b.memory(), b.start[i]) != ForwardingTables.ROUTER_MAC) {
            b.reason[i] = DropReason.NO_ROUTE.ordinal(); // another subnet is reached through the gateway only
            return -1;
        }
        int local = t.entryPort[entry];
        if (!allows(b, i, t, in, Conntrack.OUTBOUND) || (local >= 0 && !allows(b, i, t, local, Conntrack.INBOUND))) {
            return -1;
        }
        if (local >= 0) {
            return cache.store(b.hash[i], t.generation, input, b.srcIp[i], dst, b.protocol[i], b.srcPort[i], b.dstPort[i],
                    FlowCache.DELIVER | route, local, 0, 0, t.entryMac[entry], admittedBy);
        }
        return cache.store(b.hash[i], t.generation, input, b.srcIp[i], dst, b.protocol[i], b.srcPort[i], b.dstPort[i],
                FlowCache.ENCAP | route, -1, t.entryProvider[entry], t.entryEncap[entry], t.entryMac[entry], admittedBy);
    }

    /**
     * Whether the security layers of {@code port} let this new flow (or cache miss) through in direction
     * {@code dir}: a reply to a flow the port's layers allowed the other way passes; anything else is
     * checked against the layers and remembered in connection tracking. Entries checked under an older
     * table generation are checked again, and removed when the new rules deny them.
     */
    private boolean allows(PacketBatch b, int i, ForwardingTables t, int port, int dir) {
        PortSecurity security = t.ports[port].security();
        if (security == null) {
            return true;
        }
        int src = b.srcIp[i];
        int dst = b.dstIp[i];
        int protocol = b.protocol[i];
        int srcPort = b.srcPort[i];
        int dstPort = protocol == Parser.ICMP ? srcPort : b.dstPort[i]; // ICMP echo: the identifier both ways
        int reverse = conntrack.find(port, 1 - dir, dst, src, protocol, dstPort, srcPort);
        if (reverse >= 0) {
            admittedBy = reverse;
            conntrack.replied(reverse);
            if (conntrack.generation(reverse) == t.generation) {
                return true;
            }
            List<RuleTable> original = dir == Conntrack.INBOUND ? security.outbound() : security.inbound();
            if (PortSecurity.allows(original, dst, src, protocol, dstPort, srcPort, null)) {
                conntrack.checked(reverse, t.generation);
                return true;
            }
            conntrack.remove(reverse);
            b.reason[i] = DropReason.SECURITY_DENIED.ordinal();
            return false;
        }
        int same = conntrack.find(port, dir, src, dst, protocol, srcPort, dstPort);
        if (same >= 0 && conntrack.generation(same) == t.generation) {
            admittedBy = same;
            return true;
        }
        List<RuleTable> layers = dir == Conntrack.INBOUND ? security.inbound() : security.outbound();
        AuditSink sink = audit;
        String portName = t.ports[port].name();
        List<FlowNote> logged = new java.util.ArrayList<>(2);
        List<Boolean> verdicts = new java.util.ArrayList<>(2);
        PortSecurity.RuleHits hits = (layer, rule, allowed) -> {
            layer.hits.incrementAndGet(rule);
            if (sink != null && layer.rules().get(rule).logging()) {
                logged.add(new FlowNote(portName, dir, layer.group, layer.rules().get(rule).name(), protocol, src, srcPort, dst, dstPort));
                verdicts.add(allowed);
            }
        };
        if (PortSecurity.allows(layers, src, dst, protocol, srcPort, dstPort, hits)) {
            if (same >= 0) {
                conntrack.checked(same, t.generation);
                admittedBy = same;
            } else {
                admittedBy = conntrack.add(port, dir, src, dst, protocol, srcPort, dstPort, t.generation);
                if (admittedBy < 0) {
                    b.reason[i] = DropReason.CONNTRACK_FULL.ordinal(); // the port's share of connection tracking is used up
                    return false;
                }
                if (!logged.isEmpty()) {
                    conntrack.note(admittedBy, logged.getLast());
                }
            }
            begin(sink, logged, verdicts);
            return true;
        }
        if (same >= 0) {
            conntrack.remove(same);
        }
        begin(sink, logged, verdicts);
        b.reason[i] = DropReason.SECURITY_DENIED.ordinal();
        return false;
    }

    /** The begin records of a decided flow, written once its fate is known (not for a flow dropped for lack of tracking room). */
    private static void begin(AuditSink sink, List<FlowNote> logged, List<Boolean> verdicts) {
        for (int k = 0; k < logged.size(); k++) {
            FlowNote n = logged.get(k);
            sink.flow(true, n.port(), n.direction(), n.group(), n.rule(), verdicts.get(k), n.protocol(), n.src(), n.srcPort(), n.dst(), n.dstPort());
        }
    }

    public Conntrack conntrack() {
        return conntrack;
    }

    /** Applies a cached transposition: route rewrite (MACs, TTL, RFC 1624 checksum update), then deliver or encapsulate. */
    private void apply(PacketBatch b, int i, ForwardingTables t, int slot) {
        MemorySegment m = b.memory();
        long s = b.start[i];
        int action = cache.action[slot];
        if ((action & FlowCache.ROUTE) != 0) {
            long ip = s + b.l3[i];
            int ttl = Bytes.u8(m, ip + 8);
            if (ttl <= 1) {
                b.reason[i] = DropReason.TTL_EXPIRED.ordinal();
                return;
            }
            int old = Bytes.u16(m, ip + 8);
            int now = old - 0x0100;
            Bytes.u16(m, ip + 8, now);
            Bytes.u16(m, ip + 10, Checksum.update(Bytes.u16(m, ip + 10), old, now));
            Bytes.mac(m, s, cache.dstMac[slot]);
            Bytes.mac(m, s + 6, ForwardingTables.ROUTER_MAC);
            counters.routed++;
        } else if (b.inPort[i] >= 0) {
            counters.switched++;
        } else {
            counters.decapsulated++;
        }
        if ((action & FlowCache.DELIVER) != 0) {
            b.verdict[i] = PacketBatch.TO_PORT;
            b.outPort[i] = cache.port[slot];
        } else {
            if (b.start[i] - Encap.VXLAN_OVERHEAD < b.slotBase(i)) {
                b.reason[i] = DropReason.FRAME_TOO_LARGE.ordinal();
                return;
            }
            Encap.encapsulate(b, i, t, cache.encap[slot], b.vni[i], cache.destination[slot]);
            b.verdict[i] = PacketBatch.TO_UNDERLAY;
            b.outAddress[i] = cache.destination[slot];
            counters.encapsulated++;
        }
    }

    /** Answers ARP requests from local ports for the gateway and for known addresses of the port's subnet; drops the rest. */
    private void arp(PacketBatch b, int i, ForwardingTables t) {
        int in = b.inPort[i];
        if (in < 0 || b.protocol[i] != 1) {
            b.reason[i] = DropReason.ARP_NOT_ANSWERED.ordinal();
            return;
        }
        MemorySegment m = b.memory();
        long s = b.start[i];
        long a = s + b.l3[i];
        int vni = t.portVni[in];
        int target = b.dstIp[i];
        long requester = Bytes.mac(m, a + 8);
        if (requester != t.portMac[in] || b.srcIp[i] != t.portIp[in]) {
            b.reason[i] = DropReason.SPOOFED_SOURCE.ordinal();
            return;
        }
        long answer;
        if (target == t.portGateway[in] || t.isGateway(vni, target)) {
            answer = ForwardingTables.ROUTER_MAC;
        } else {
            int entry = t.lookup(vni, target);
            if (entry < 0 || (target & t.portSubnetMask[in]) != t.portSubnet[in]) {
                b.reason[i] = DropReason.ARP_NOT_ANSWERED.ordinal(); // never flooded
                return;
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
        b.verdict[i] = PacketBatch.TO_PORT;
        b.outPort[i] = in;
        counters.arpReplies++;
    }
}

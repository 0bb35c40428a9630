package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.flow.FlowCache;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.fastpath.uplink.NatSessions;
import java.util.List;

/**
 * The flow cache: a flow decided under the current table generation takes its cached header
 * transposition straight to {@code rewrite}; anything else (a new flow, new tables, an expired tracking
 * entry) goes to the slow path starting at {@code ip4-lookup}.
 */
public final class FlowLookup implements Node {

    public static final String NAME = "flow-lookup";
    static final int HIT = 0;
    static final int MISS = 1;

    private final FlowCache cache;
    private final Conntrack conntrack;
    private final NatSessions sessions;
    private final dev.weft.fastpath.lb.LbSessions balanced;
    public long hits;
    public long misses;

    /**
     * A TCP FIN or RST on a packet of a flow with a NAT translation or a balanced connection ({@code session}, of the kind
     * {@code action} says): its timeout shortens ({@link NatSessions#ends}, {@link dev.weft.fastpath.lb.LbSessions#ends}).
     */
    static void ends(int action, int session, int tcpFlags, NatSessions sessions, dev.weft.fastpath.lb.LbSessions balanced) {
        if (session < 0 || !dev.weft.fastpath.packet.TcpClose.ends(tcpFlags)) {
            return;
        }
        if ((action & (FlowCache.DNAT | FlowCache.UNNAT | FlowCache.FLOAT)) != 0) {
            balanced.ends(session, tcpFlags);
        } else {
            sessions.ends(session, tcpFlags);
        }
    }

    public FlowLookup(FlowCache cache, Conntrack conntrack, NatSessions sessions, dev.weft.fastpath.lb.LbSessions balanced) {
        this.cache = cache;
        this.conntrack = conntrack;
        this.sessions = sessions;
        this.balanced = balanced;
    }

    /**
     * The cache key's input: the port, or the VNI for underlay frames and (flagged apart) for uplink frames; an underlay frame
     * addressed to a virtual appliance here by its MAC is keyed by that port (flagged apart), since it goes there whatever
     * its addresses, and the same addresses to another MAC go elsewhere.
     */
    static int input(PacketBatch b, int i, dev.weft.fastpath.table.ForwardingTables t) {
        int in = b.inPort[i];
        if (in >= 0) {
            return in;
        }
        if (in == PacketBatch.MIRROR) {
            return 0x1000_0000 | b.vni[i];
        }
        if (in != PacketBatch.UPLINK && t.forwards()) {
            int appliance = t.forwarder(b.vni[i], Bytes.mac(b.memory(), b.start[i]));
            if (appliance >= 0) {
                return 0x2000_0000 | appliance;
            }
        }
        return (in == PacketBatch.UPLINK ? 0x4000_0000 : 0x8000_0000) | b.vni[i];
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(Rewrite.NAME, Ip4Lookup.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        long generation = d.tables().generation;
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            // a fragment never takes a cached decision: later fragments carry no ports to match a flow by; nor does an ICMP
            // error, which is let in by the flow it is about, not by its own addresses
            int slot = (b.flags[i] & (Parser.FLAG_FRAGMENT | Parser.FLAG_ICMP_ERROR)) != 0 ? -1 : cache.find(b.hash[i], generation, input(b, i, d.tables()), b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i]);
            int tcpFlags = b.tcpFlags(i);
            if (slot >= 0 && cache.conntrack(slot) >= 0 && !conntrack.touch(cache.conntrack(slot), tcpFlags)) {
                slot = -1; // the flow's tracking entry expired: decide it again
            }
            if (slot >= 0 && cache.natSession(slot) >= 0
                    && !((cache.action(slot) & (FlowCache.DNAT | FlowCache.UNNAT | FlowCache.FLOAT)) != 0 ? balanced.touch(cache.natSession(slot), cache.natStamp(slot))
                    : sessions.touch(cache.natSession(slot), cache.natStamp(slot)))) {
                slot = -1; // its translation or balanced connection expired: decide it again
            }
            if (slot >= 0) {
                ends(cache.action(slot), cache.natSession(slot), tcpFlags, sessions, balanced);
            }
            if (slot < 0) {
                misses++;
                if (tracing) {
                    d.trace(i, "miss: no decision cached for this flow under table generation " + generation);
                }
                next[k] = MISS;
                continue;
            }
            hits++;
            cache.load(slot, b, i);
            if (tracing) {
                d.trace(i, "hit: cached decision of table generation " + generation);
            }
            next[k] = HIT;
        }
    }
}

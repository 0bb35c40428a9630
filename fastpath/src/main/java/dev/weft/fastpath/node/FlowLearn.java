package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.flow.FlowCache;
import java.util.List;

/** Caches the slow path's decision for the flow under the current table generation; later packets take it in {@code flow-lookup}. */
public final class FlowLearn implements Node {

    public static final String NAME = "flow-learn";
    static final int REWRITE = 0;

    private final FlowCache cache;
    private final dev.weft.fastpath.uplink.NatSessions sessions;
    private final dev.weft.fastpath.lb.LbSessions balanced;

    /** @param sessions, balanced where a decided packet's FIN or RST shortens its translation's or balanced connection's timeout */
    public FlowLearn(FlowCache cache, dev.weft.fastpath.uplink.NatSessions sessions, dev.weft.fastpath.lb.LbSessions balanced) {
        this.cache = cache;
        this.sessions = sessions;
        this.balanced = balanced;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(Rewrite.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        long generation = d.tables().generation;
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            if (!dev.weft.fastpath.packet.IcmpError.is(b, i)) {
                cache.store(generation, FlowLookup.input(b, i, d.tables()), b, i);
                FlowLookup.ends(b.action[i], b.natSession[i], b.tcpFlags(i), sessions, balanced);
                if (d.tracing()) {
                    d.trace(i, "cached for table generation " + generation + ": later packets of the flow skip the slow path");
                }
            } else if (d.tracing()) {
                d.trace(i, "an ICMP error: not cached, each one is decided by the flow it is about");
            }
            next[k] = REWRITE;
        }
    }
}

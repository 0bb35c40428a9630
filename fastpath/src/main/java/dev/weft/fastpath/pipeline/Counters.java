package dev.weft.fastpath.pipeline;

import dev.weft.fastpath.graph.Graph;
import dev.weft.fastpath.node.ArpReply;
import dev.weft.fastpath.node.FlowLookup;
import dev.weft.fastpath.node.GreInput;
import dev.weft.fastpath.node.Rewrite;
import dev.weft.fastpath.node.TapInput;
import dev.weft.fastpath.node.UnderlayOutput;
import dev.weft.fastpath.node.VxlanInput;
import dev.weft.fastpath.packet.DropReason;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One worker's counters, read from its graph: packets per node, drops per node and reason, and the
 * summary an operator looks at first (received, switched, routed, encapsulated, decapsulated, ARP
 * replies, flow-cache hits and misses). Single writer (the worker); readers see plain longs.
 */
public final class Counters {

    private final Graph graph;
    private final FlowLookup flowLookup;
    private final Rewrite rewrite;

    public Counters(Graph graph, FlowLookup flowLookup, Rewrite rewrite) {
        this.graph = graph;
        this.flowLookup = flowLookup;
        this.rewrite = rewrite;
    }

    /** Packets node {@code node} processed. */
    public long packets(String node) {
        return graph.packets(node);
    }

    public long drops(DropReason reason) {
        return graph.drops(reason);
    }

    public long drops(String node, DropReason reason) {
        return graph.drops(node, reason);
    }

    public long totalDrops() {
        long total = 0;
        for (DropReason r : DropReason.values()) {
            total += graph.drops(r);
        }
        return total;
    }

    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> map = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long n = graph.drops(r);
            if (n > 0) {
                map.put(r, n);
            }
        }
        return map;
    }

    /** Per node in graph order: packets processed and drops by reason (only reasons that happened). */
    public Map<String, NodeCount> byNode() {
        Map<String, NodeCount> out = new LinkedHashMap<>();
        for (String node : graph.names()) {
            Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
            for (DropReason r : DropReason.values()) {
                long n = graph.drops(node, r);
                if (n > 0) {
                    drops.put(r, n);
                }
            }
            out.put(node, new NodeCount(graph.packets(node), drops));
        }
        return out;
    }

    /** One node's packets and drops. */
    public record NodeCount(long packets, Map<DropReason, Long> drops) {
    }

    public long received() {
        return packets(TapInput.NAME) + packets(VxlanInput.NAME) + packets(GreInput.NAME);
    }

    public long decapsulated() {
        long dropped = 0;
        for (DropReason r : DropReason.values()) {
            dropped += graph.drops(VxlanInput.NAME, r) + graph.drops(GreInput.NAME, r);
        }
        return packets(VxlanInput.NAME) + packets(GreInput.NAME) - dropped;
    }

    public long encapsulated() {
        return packets(UnderlayOutput.NAME);
    }

    public long switched() {
        return rewrite.switched;
    }

    public long routed() {
        return rewrite.routed;
    }

    public long arpReplies() {
        long dropped = 0;
        for (DropReason r : DropReason.values()) {
            dropped += graph.drops(ArpReply.NAME, r);
        }
        return packets(ArpReply.NAME) - dropped;
    }

    public long flowHits() {
        return flowLookup.hits;
    }

    public long flowMisses() {
        return flowLookup.misses;
    }
}

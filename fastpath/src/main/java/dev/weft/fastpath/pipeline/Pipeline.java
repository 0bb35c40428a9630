package dev.weft.fastpath.pipeline;

import dev.weft.fastpath.flow.FlowCache;
import dev.weft.fastpath.graph.Graph;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.node.ArpReply;
import dev.weft.fastpath.node.DhcpServer;
import dev.weft.fastpath.node.DnsServer;
import dev.weft.fastpath.node.DnsTcp;
import dev.weft.fastpath.node.EthernetInput;
import dev.weft.fastpath.node.FlowLearn;
import dev.weft.fastpath.node.FlowLookup;
import dev.weft.fastpath.node.GreInput;
import dev.weft.fastpath.node.Ip4Input;
import dev.weft.fastpath.node.Ip4Lookup;
import dev.weft.fastpath.node.NvgreEncap;
import dev.weft.fastpath.node.PortOutput;
import dev.weft.fastpath.node.Rewrite;
import dev.weft.fastpath.node.Security;
import dev.weft.fastpath.node.TapInput;
import dev.weft.fastpath.node.UnderlayOutput;
import dev.weft.fastpath.node.VxlanEncap;
import dev.weft.fastpath.node.VxlanInput;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.security.AuditSink;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.List;

/**
 * One worker's packet path: Weft's node graph, wired in one place.
 * <pre>
 * tap-input ─────┐
 * vxlan-input ───┼─▶ ethernet-input ─▶ arp ─────────────────────────────────────────────────────▶ port-output
 * gre-input ─────┘                  └▶ ip4-input ─▶ flow-lookup ─hit──────────────────────────▶ rewrite ─▶ port-output
 *                                               ├▶ dhcp ─▶ port-output
 *                                               ├▶ dns ──▶ port-output
 *                                               └▶ dns-tcp ▶ port-output
 *                                                              └miss▶ ip4-lookup ─▶ security ─▶ flow-learn ─┘      ├▶ vxlan-encap ─▶ underlay-output
 *                                                                                                                  └▶ nvgre-encap ─▶ underlay-output
 * </pre>
 * Every packet ends with a verdict in the batch: to a local port, to the underlay, or dropped with a
 * counted reason. The tables are read once per batch; no locks.
 */
public final class Pipeline {

    private final Conntrack conntrack;
    private final Security security;
    private final FlowLookup flowLookup;
    private final Rewrite rewrite;
    private final Graph graph;
    private final int tapInput;
    private final int vxlanInput;
    private final int greInput;
    private final Counters counters;
    private long generation = -1;
    private int[] portIds = new int[0];

    public Pipeline(int flowCacheSize) {
        this(flowCacheSize, new Conntrack(1 << 16));
    }

    public Pipeline(int flowCacheSize, Conntrack conntrack) {
        this.conntrack = conntrack;
        FlowCache cache = new FlowCache(flowCacheSize);
        security = new Security(conntrack);
        flowLookup = new FlowLookup(cache, conntrack);
        rewrite = new Rewrite();
        List<Node> nodes = List.of(new TapInput(), new VxlanInput(), new GreInput(), new EthernetInput(), new ArpReply(),
                new Ip4Input(), flowLookup, new Ip4Lookup(), security, new FlowLearn(cache), rewrite,
                new VxlanEncap(), new NvgreEncap(), new PortOutput(), new UnderlayOutput(), new DhcpServer(), new DnsServer(), new DnsTcp());
        graph = new Graph(nodes);
        tapInput = graph.id(TapInput.NAME);
        vxlanInput = graph.id(VxlanInput.NAME);
        greInput = graph.id(GreInput.NAME);
        counters = new Counters(graph, flowLookup, rewrite);
    }

    /** Flow records of rules with logging enabled go to {@code sink}. */
    public Pipeline audit(AuditSink sink) {
        security.audit(sink);
        return this;
    }

    public Counters counters() {
        return counters;
    }

    public Graph graph() {
        return graph;
    }

    public Conntrack conntrack() {
        return conntrack;
    }

    /** Runs the batch through the graph: each frame enters at the input node of where it came from. */
    public void process(PacketBatch b, ForwardingTables t) {
        int n = b.count();
        if (t.generation != generation) { // new tables: if ports went away, their tracked flows go too
            if (!java.util.Arrays.equals(t.portId, portIds)) {
                java.util.BitSet live = new java.util.BitSet();
                for (int id : t.portId) {
                    live.set(id);
                }
                conntrack.retainPorts(live);
                portIds = t.portId;
            }
            generation = t.generation;
        }
        conntrack.tick();
        for (int i = 0; i < n; i++) {
            b.verdict[i] = PacketBatch.DROP;
            b.reason[i] = 0;
            int in = b.inPort[i];
            graph.enqueue(in == PacketBatch.UNDERLAY ? vxlanInput : in == PacketBatch.UNDERLAY_GRE ? greInput : tapInput, i);
        }
        graph.run(b, t);
    }
}

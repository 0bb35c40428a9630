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
import dev.weft.fastpath.node.NatIn;
import dev.weft.fastpath.node.NatOut;
import dev.weft.fastpath.node.NvgreEncap;
import dev.weft.fastpath.node.UplinkArp;
import dev.weft.fastpath.node.UplinkInput;
import dev.weft.fastpath.node.UplinkOutput;
import dev.weft.fastpath.lb.LbSessions;
import dev.weft.fastpath.lb.ProbeTable;
import dev.weft.fastpath.node.LbProbe;
import dev.weft.fastpath.node.LbReset;
import dev.weft.fastpath.uplink.NatSessions;
import dev.weft.fastpath.uplink.Neighbors;
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
 * mirror-input ──┤
 * vxlan-input ───┼─▶ ethernet-input ─▶ arp ─────────────────────────────────────────────────────▶ port-output
 * gre-input ─────┘                  └▶ ip4-input ─▶ flow-lookup ─hit──────────────────────────▶ rewrite ─▶ port-output
 *                                               ├▶ dhcp ─▶ port-output
 *                                               ├▶ dns ──▶ port-output
 *                                               ├▶ dns-tcp ▶ port-output
 *                                               ├▶ icmp-echo ▶ port-output
 *                                               └▶ lb-probe ▶ port-output
 *                                                              └miss▶ ip4-lookup ─▶ security ─▶ flow-learn ─┘      ├▶ vxlan-encap ─▶ underlay-output
 *                                                                                                                  ├▶ nvgre-encap ─▶ underlay-output
 *                                                                                                                  ├▶ nat-out ─▶ uplink-output
 *                                                                                                                  └▶ icmp-time-exceeded ─▶ port-output
 * uplink-input ─▶ uplink-arp ─▶ uplink-output
 *              └▶ nat-in ─▶ flow-lookup (as above)
 * </pre>
 * Every packet ends with a verdict in the batch: to a local port, to the underlay, or dropped with a
 * counted reason. The tables are read once per batch; no locks. tap-input and port-output copy the frames of ports
 * that are a tap's sources into {@link #mirrors()}, a batch of their own that enters at mirror-input once the worker has
 * sent the batch they were copied from.
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
    private final int uplinkInput;
    private final NatSessions sessions;
    private final Neighbors neighbors;
    private final LbSessions balanced;
    private final Counters counters;
    private final dev.weft.fastpath.mirror.Mirrors mirrors = new dev.weft.fastpath.mirror.Mirrors();
    private final int mirrorInput;
    private long generation = -1;
    private int[] portIds = new int[0];

    public Pipeline(int flowCacheSize) {
        this(flowCacheSize, new Conntrack(1 << 16));
    }

    public Pipeline(int flowCacheSize, Conntrack conntrack) {
        this(flowCacheSize, conntrack, new NatSessions(1 << 16), new Neighbors());
    }

    /**
     * @param sessions  the host's NAT translations, shared by its workers
     * @param neighbors the host's uplink neighbours, shared by its workers
     */
    public Pipeline(int flowCacheSize, Conntrack conntrack, NatSessions sessions, Neighbors neighbors) {
        this(flowCacheSize, conntrack, sessions, neighbors, new LbSessions(1 << 16), new ProbeTable());
    }

    /**
     * @param balanced the host's load-balanced connections, shared by its workers
     * @param probes   the host's health probes in flight
     */
    public Pipeline(int flowCacheSize, Conntrack conntrack, NatSessions sessions, Neighbors neighbors, LbSessions balanced, ProbeTable probes) {
        this.conntrack = conntrack;
        this.balanced = balanced;
        this.sessions = sessions;
        this.neighbors = neighbors;
        FlowCache cache = new FlowCache(flowCacheSize);
        security = new Security(conntrack);
        flowLookup = new FlowLookup(cache, conntrack, sessions, balanced);
        rewrite = new Rewrite();
        List<Node> nodes = List.of(new TapInput(mirrors), new dev.weft.fastpath.node.MirrorInput(), new VxlanInput(), new GreInput(), new UplinkInput(neighbors), new EthernetInput(), new ArpReply(),
                new UplinkArp(neighbors), new Ip4Input(probes), new NatIn(sessions, balanced), flowLookup, new Ip4Lookup(sessions, balanced), security, new FlowLearn(cache, sessions, balanced), rewrite,
                new VxlanEncap(), new NvgreEncap(), new NatOut(), new PortOutput(mirrors), new UnderlayOutput(), new UplinkOutput(neighbors),
                new DhcpServer(), new DnsServer(), new DnsTcp(), new LbProbe(probes), new LbReset(),
                new dev.weft.fastpath.node.IcmpTimeExceeded(), new dev.weft.fastpath.node.IcmpEcho());
        graph = new Graph(nodes);
        tapInput = graph.id(TapInput.NAME);
        vxlanInput = graph.id(VxlanInput.NAME);
        greInput = graph.id(GreInput.NAME);
        uplinkInput = graph.id(UplinkInput.NAME);
        mirrorInput = graph.id(dev.weft.fastpath.node.MirrorInput.NAME);
        counters = new Counters(graph, flowLookup, rewrite);
    }

    public NatSessions natSessions() {
        return sessions;
    }

    public Neighbors neighbors() {
        return neighbors;
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

    /** The copies the taps made while the last batches went through: the worker sends them ({@link #process} them first), then clears them. */
    public dev.weft.fastpath.mirror.Mirrors mirrors() {
        return mirrors;
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
        sessions.tick();
        balanced.tick();
        for (int i = 0; i < n; i++) {
            b.verdict[i] = PacketBatch.DROP;
            b.reason[i] = 0;
            int in = b.inPort[i];
            graph.enqueue(in >= 0 ? tapInput : in == PacketBatch.UNDERLAY ? vxlanInput : in == PacketBatch.UNDERLAY_GRE ? greInput
                    : in == PacketBatch.MIRROR ? mirrorInput : uplinkInput, i);
        }
        graph.run(b, t);
    }
}

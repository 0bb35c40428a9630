package dev.weft.fastpath.graph;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The packet graph: nodes wired by name, run in topological order over one batch at a time. Each node
 * gets the vector of packet indexes its predecessors sent it, so a stage loops over its own packets
 * only; a packet's path ends in a node with no arcs (an output) or in a drop. Counts packets per node
 * and drops per node and reason, and when tracing records every node's decision per packet. One graph
 * belongs to one worker thread: its counters are plain longs with a single writer.
 */
public final class Graph implements Dispatch {

    private final Node[] nodes;
    private final Map<String, Integer> ids;
    private final int[][] arcs;          // [node][arc] → node id
    private final int[][] vectors;       // [node] → packet indexes queued for it
    private final int[] queued;
    /** Per node: whether it is handed frames whole ({@link Node#linear()}). */
    private final boolean[] linear;
    /** The running node's decisions, by position in its vector: an arc, or {@link Dispatch#DROPPED}. */
    private final int[] decided = new int[PacketBatch.CAPACITY];
    private final int[] spare = new int[PacketBatch.CAPACITY];
    private final long[] packets;
    private final long[][] drops;        // [node][reason]
    private int running;
    private ForwardingTables tables;
    private PacketBatch batch;
    private boolean tracing;
    private final List<TraceRecord> trace = new ArrayList<>();

    /** Wires {@code nodes}; every arc must name one of them and the arcs must not form a cycle. */
    public Graph(List<Node> nodes) {
        Map<String, Node> byName = new LinkedHashMap<>();
        for (Node node : nodes) {
            if (byName.put(node.name(), node) != null) {
                throw new IllegalArgumentException("two nodes named " + node.name());
            }
        }
        this.nodes = order(byName).toArray(Node[]::new);
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < this.nodes.length; k++) {
            index.put(this.nodes[k].name(), k);
        }
        this.ids = Collections.unmodifiableMap(index);
        arcs = new int[this.nodes.length][];
        for (int k = 0; k < this.nodes.length; k++) {
            arcs[k] = this.nodes[k].arcs().stream().mapToInt(ids::get).toArray();
        }
        vectors = new int[this.nodes.length][PacketBatch.CAPACITY];
        queued = new int[this.nodes.length];
        linear = new boolean[this.nodes.length];
        for (int k = 0; k < this.nodes.length; k++) {
            linear[k] = this.nodes[k].linear();
        }
        packets = new long[this.nodes.length];
        drops = new long[this.nodes.length][DropReason.values().length];
    }

    /** Kahn's algorithm: a node runs after every node with an arc to it, so one pass handles every packet. */
    private static List<Node> order(Map<String, Node> byName) {
        Map<String, Integer> incoming = new HashMap<>();
        byName.keySet().forEach(n -> incoming.put(n, 0));
        for (Node node : byName.values()) {
            for (String next : node.arcs()) {
                if (!byName.containsKey(next)) {
                    throw new IllegalArgumentException(node.name() + " has an arc to " + next + ", which is not a node of the graph");
                }
                incoming.merge(next, 1, Integer::sum);
            }
        }
        ArrayDeque<String> ready = new ArrayDeque<>();
        byName.keySet().stream().filter(n -> incoming.get(n) == 0).forEach(ready::add);
        List<Node> ordered = new ArrayList<>();
        while (!ready.isEmpty()) {
            Node node = byName.get(ready.poll());
            ordered.add(node);
            for (String next : node.arcs()) {
                if (incoming.merge(next, -1, Integer::sum) == 0) {
                    ready.add(next);
                }
            }
        }
        if (ordered.size() != byName.size()) {
            throw new IllegalArgumentException("the graph's arcs form a cycle");
        }
        return ordered;
    }

    /** The node id of {@code name}, to hand packets to it with {@link #enqueue}. */
    public int id(String name) {
        Integer id = ids.get(name);
        if (id == null) {
            throw new IllegalArgumentException("no node " + name);
        }
        return id;
    }

    /** Queues packet {@code i} for node {@code node} before {@link #run}: how packets enter the graph, in increasing order. */
    public void enqueue(int node, int i) {
        vectors[node][queued[node]++] = i;
    }

    /** Runs every queued packet through the graph with {@code t}, node by node in topological order. */
    public void run(PacketBatch b, ForwardingTables t) {
        tables = t;
        batch = b;
        for (int k = 0; k < nodes.length; k++) {
            int n = queued[k];
            if (n == 0) {
                continue;
            }
            running = k;
            if (linear[k]) {
                n = whole(b, k, n);
            }
            packets[k] += n;
            nodes[k].process(b, vectors[k], n, decided, this);
            queued[k] = 0;
            if (arcs[k].length > 0) {
                forward(k, n);
            }
        }
        tables = null;
        batch = null;
    }

    /**
     * Makes the {@code n} frames queued for linear node {@code k} whole in their slots: a GSO frame is cut into its segments
     * first, which take its place in the vector, in order. Returns the vector's new length.
     */
    private int whole(PacketBatch b, int k, int n) {
        int[] vector = vectors[k];
        int cut = 0;
        for (int v = 0; v < n; v++) {
            cut += b.gsoSize[vector[v]] > 0 ? 1 : 0;
        }
        if (cut > 0) {
            int[] was = spare;
            System.arraycopy(vector, 0, was, 0, n);
            int m = 0;
            for (int v = 0; v < n; v++) {
                int i = was[v];
                if (b.gsoSize[i] > 0) {
                    int segments = b.segments(i);
                    int mss = b.gsoSize[i];
                    int first = b.cut(i, 0);
                    if (tracing) {
                        trace.add(new TraceRecord(i, nodes[k].name(), "cut: GSO frame into " + segments + " segments of " + mss
                                + " bytes (this node reads whole frames)", first));
                    }
                    for (int j = 0; j < segments; j++) {
                        vector[m++] = first + j;
                    }
                } else {
                    vector[m++] = i;
                }
            }
            n = m;
        }
        for (int v = 0; v < n; v++) {
            b.linearize(vector[v]);
        }
        return n;
    }

    @Override
    public ForwardingTables tables() {
        return tables;
    }

    /**
     * Hands node {@code k}'s packets to their next nodes in bulk, as VPP does: each run of packets going the
     * same way is one array copy, and a whole vector going one way to a node with nothing queued is
     * handed over without copying.
     */
    private void forward(int k, int n) {
        int[] vector = vectors[k];
        int[] next = arcs[k];
        for (int start = 0; start < n; ) {
            int arc = decided[start];
            int end = start + 1;
            while (end < n && decided[end] == arc) {
                end++;
            }
            if (arc >= 0) {
                int target = next[arc];
                if (start == 0 && end == n && queued[target] == 0) {
                    vectors[k] = vectors[target];
                    vectors[target] = vector;
                } else {
                    System.arraycopy(vector, start, vectors[target], queued[target], end - start);
                }
                queued[target] += end - start;
            }
            start = end;
        }
    }

    @Override
    public int drop(int i, DropReason reason) {
        drops[running][reason.ordinal()]++;
        if (tracing) {
            trace.add(new TraceRecord(i, nodes[running].name(), "drop: " + reason));
        }
        batch.verdict[i] = PacketBatch.DROP; // the verdict columns carry the outcome to the worker
        batch.reason[i] = reason.ordinal();
        return DROPPED;
    }

    @Override
    public boolean tracing() {
        return tracing;
    }

    @Override
    public void trace(int i, String decision) {
        trace.add(new TraceRecord(i, nodes[running].name(), decision));
    }

    /** Turns the per-packet trace on or off; records accumulate until {@link #takeTrace}. */
    public void tracing(boolean on) {
        tracing = on;
    }

    /** The records since the last call, in the order nodes made them. */
    public List<TraceRecord> takeTrace() {
        List<TraceRecord> records = List.copyOf(trace);
        trace.clear();
        return records;
    }

    /** Node names in the order the graph runs them. */
    public List<String> names() {
        return java.util.Arrays.stream(nodes).map(Node::name).toList();
    }

    /** Packets node {@code name} has processed. */
    public long packets(String name) {
        return packets[id(name)];
    }

    public long drops(String name, DropReason reason) {
        return drops[id(name)][reason.ordinal()];
    }

    /** Drops for {@code reason}, whatever node dropped them. */
    public long drops(DropReason reason) {
        long total = 0;
        for (long[] node : drops) {
            total += node[reason.ordinal()];
        }
        return total;
    }
}

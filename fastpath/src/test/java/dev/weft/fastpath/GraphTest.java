package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Graph;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.graph.TraceRecord;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.trace.PacketTracer;
import dev.weft.fastpath.trace.Probe;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The graph runner: wiring checks, packets handed on per arc, counters per node, and the per-packet trace. */
class GraphTest {

    /** A node that sends even packet indexes one way, odd the other, and drops every fifth. */
    record Split(String name, List<String> arcs, List<Integer> seen) implements Node {
        @Override
        public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
            for (int k = 0; k < count; k++) {
                int i = vector[k];
                seen.add(i);
                next[k] = i % 5 == 4 ? d.drop(i, DropReason.NO_ROUTE) : arcs.isEmpty() ? 0 : i % 2;
            }
        }
    }

    /** A node that records, per packet, whether the frame was split when the node got it and its bytes as in the slot. */
    record Looks(String name, List<String> arcs, boolean linear, List<Boolean> split, List<byte[]> inSlot) implements Node {
        @Override
        public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
            for (int k = 0; k < count; k++) {
                int i = vector[k];
                split.add(b.tail[i] != null);
                inSlot.add(b.memory().asSlice(b.start[i], b.inline(i)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                next[k] = 0;
            }
        }
    }

    @Test
    void aSplitFrameIsHandedWholeToANodeThatReadsPastTheHeadersAndOnlyThen() {
        Looks headers = new Looks("headers", List.of("server"), false, new ArrayList<>(), new ArrayList<>());
        Looks server = new Looks("server", List.of(), true, new ArrayList<>(), new ArrayList<>());
        Graph graph = new Graph(List.of(headers, server));
        byte[] frame = new byte[1500];
        for (int k = 0; k < frame.length; k++) {
            frame[k] = (byte) (k * 7);
        }
        try (PacketBatch batch = new PacketBatch()) {
            java.lang.foreign.MemorySegment read = batch.buffer(); // where a device read the frame
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(frame), 0, read, 0, frame.length);
            java.lang.foreign.MemorySegment.copy(read, 0, batch.nextSlot(), 0, 54);
            int i = batch.commit(54, read.asSlice(54, frame.length - 54), 0);
            assertThat(batch.length[i]).isEqualTo(1500);
            assertThat(batch.frame(i)).as("both parts").isEqualTo(frame);
            graph.enqueue(graph.id("headers"), i);
            graph.run(batch, null);
            assertThat(headers.split()).containsExactly(true);
            assertThat(headers.inSlot().getFirst()).hasSize(54);
            assertThat(server.split()).as("the linear node gets it whole").containsExactly(false);
            assertThat(server.inSlot().getFirst()).isEqualTo(frame);
        }
    }

    @Test
    void aGsoFrameCrossesAsOneFrameAndALinearNodeGetsItsSegmentsWholeInOrderAmongTheOthers() {
        Looks headers = new Looks("headers", List.of("server"), false, new ArrayList<>(), new ArrayList<>());
        Looks server = new Looks("server", List.of(), true, new ArrayList<>(), new ArrayList<>());
        Graph graph = new Graph(List.of(headers, server));
        byte[] tso = SegmenterTest.tsoFrame(4000, 1448, 0x18, 1);
        try (PacketBatch batch = new PacketBatch()) {
            batch.add(new byte[60], 0); // a small frame before it
            java.lang.foreign.MemorySegment read = batch.buffer();
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(tso), 0, read, 0, tso.length);
            assertThat(dev.weft.fastpath.io.Segmenter.add(read, tso.length, true, batch, 0)).isEqualTo(1);
            batch.add(new byte[61], 0); // and one after it
            for (int i = 0; i < 3; i++) {
                graph.enqueue(graph.id("headers"), i);
            }
            graph.run(batch, null);
            assertThat(headers.split()).as("the GSO frame is one frame to a node that reads headers").containsExactly(false, true, false);
            assertThat(server.inSlot().stream().map(f -> f.length).toList()).as("the linear node: its three segments whole, in its place")
                    .containsExactly(60, 54 + 1448, 54 + 1448, 54 + 4000 - 2 * 1448, 61);
            assertThat(server.split()).containsOnly(false);
            assertThat(graph.packets("server")).isEqualTo(5);
            assertThat(SegmenterTest.tcpChecksumOk(server.inSlot().get(3))).as("its checksum complete").isTrue();
        }
    }

    @Test
    void wiringMistakesAreRefused() {
        assertThatThrownBy(() -> new Graph(List.of(new Split("a", List.of("b"), new ArrayList<>()))))
                .hasMessageContaining("a has an arc to b, which is not a node of the graph");
        assertThatThrownBy(() -> new Graph(List.of(new Split("a", List.of("b"), new ArrayList<>()), new Split("b", List.of("a"), new ArrayList<>()))))
                .hasMessageContaining("cycle");
    }

    @Test
    void eachNodeGetsExactlyThePacketsSentToItAndDropsAreCountedPerNodeAndReason() {
        List<Integer> even = new ArrayList<>();
        List<Integer> odd = new ArrayList<>();
        // listed out of order: the graph runs them topologically
        Graph graph = new Graph(List.of(new Split("even", List.of(), even), new Split("odd", List.of(), odd),
                new Split("split", List.of("even", "odd"), new ArrayList<>())));
        assertThat(graph.names()).startsWith("split");
        try (PacketBatch batch = new PacketBatch()) {
            for (int i = 0; i < 10; i++) {
                batch.add(new byte[64], 0);
                graph.enqueue(graph.id("split"), i);
            }
            graph.run(batch, null);
            assertThat(even).containsExactly(0, 2, 6, 8);
            assertThat(odd).containsExactly(1, 3, 5, 7);
            assertThat(graph.packets("split")).isEqualTo(10);
            assertThat(graph.packets("even")).isEqualTo(4);
            assertThat(graph.drops("split", DropReason.NO_ROUTE)).isEqualTo(2);
            assertThat(batch.verdict[4]).isEqualTo(PacketBatch.DROP);
            assertThat(batch.reason[9]).isEqualTo(DropReason.NO_ROUTE.ordinal());
        }
    }

    @Test
    void theTracerNamesEveryNodeOnThePathAndSendsNothing() {
        try (ForwardingTables tables = Frames.tables(1)) {
            byte[] frame = Probe.frame(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), Probe.Protocol.tcp, 40000, 80);
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, frame);
            assertThat(result.outcome()).isEqualTo(PacketTracer.Outcome.DELIVERED);
            assertThat(result.port()).isEqualTo(tables.ports[DB2].name());
            assertThat(result.hops()).extracting(TraceRecord::node).containsExactly("tap-input", "ethernet-input", "ip4-input",
                    "flow-lookup", "ip4-lookup", "security", "security", "flow-learn", "rewrite", "port-output"); // outbound at web-1, inbound at db-2
            assertThat(result.hops().get(1).decision()).isEqualTo("TCP 10.1.1.4:40000 → 10.1.2.5:80");

            PacketTracer.Result spoofed = PacketTracer.trace(tables, WEB1, 0,
                    Probe.frame(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.99"), ip("10.1.2.5"), Probe.Protocol.udp, 1, 53));
            assertThat(spoofed.outcome()).isEqualTo(PacketTracer.Outcome.DROPPED);
            assertThat(spoofed.reason()).isEqualTo(DropReason.SPOOFED_SOURCE);
            assertThat(spoofed.hops().getLast()).isEqualTo(new TraceRecord(0, "ip4-input", "drop: SPOOFED_SOURCE"));
        }
    }

    @Test
    void theWorkersGraphDoesNotTraceUnlessAsked() {
        Pipeline pipeline = new Pipeline(64);
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1)) {
            batch.add(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1, 2, 0), WEB1);
            pipeline.process(batch, tables);
            assertThat(pipeline.graph().takeTrace()).isEmpty();
            assertThat(pipeline.counters().packets("vxlan-encap")).isEqualTo(1);
        }
    }
}

package dev.weft.fastpath.trace;

import dev.weft.fastpath.graph.TraceRecord;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.Neighbors;
import java.util.List;

/**
 * Runs one packet through a fresh copy of the packet graph over the given tables, with the trace on,
 * and sends nothing: what {@code weft trace} and the agent's {@code POST /v1/trace} use. The graph is
 * the one workers run (same nodes, same code); only its flow cache and connection tracking are new, so
 * the packet is decided as the first of its flow.
 */
public final class PacketTracer {

    private PacketTracer() {
    }

    /** Where the packet ends: a local port, another host (with the bytes to send it), the uplink ({@code port}: its device), or a drop. */
    public record Result(List<TraceRecord> hops, Outcome outcome, String port, int underlay, boolean nvgre, DropReason reason,
                         byte[] frame) {
    }

    public enum Outcome { DELIVERED, ENCAPSULATED, UPLINK, DROPPED }

    /**
     * @param inPort a port index of {@code tables}, {@link PacketBatch#UNDERLAY} (frame from its VXLAN header) or
     *               {@link PacketBatch#UNDERLAY_GRE} (frame from its outer IPv4 header)
     * @param underlaySource for underlay frames, the provider address they come from
     */
    public static Result trace(ForwardingTables tables, int inPort, int underlaySource, byte[] frame) {
        return trace(tables, inPort, underlaySource, frame, new Neighbors());
    }

    /**
     * As {@link #trace(ForwardingTables, int, int, byte[])}, with the host's uplink neighbours as they are (a fresh
     * table knows none: a packet for the uplink then becomes the ARP request for its next hop, as on a new host).
     */
    public static Result trace(ForwardingTables tables, int inPort, int underlaySource, byte[] frame, Neighbors neighbors) {
        Pipeline pipeline = new Pipeline(16, new dev.weft.fastpath.security.Conntrack(1 << 10), new dev.weft.fastpath.uplink.NatSessions(16), neighbors);
        pipeline.graph().tracing(true);
        try (PacketBatch batch = new PacketBatch()) {
            int i = batch.add(frame, inPort);
            if (i < 0) {
                throw new IllegalArgumentException("a frame of " + frame.length + " bytes does not fit a batch slot");
            }
            batch.underlaySource[i] = underlaySource;
            pipeline.process(batch, tables);
            List<TraceRecord> hops = pipeline.graph().takeTrace();
            return switch (batch.verdict[i]) {
                case PacketBatch.TO_PORT -> new Result(hops, Outcome.DELIVERED, tables.ports[batch.outPort[i]].name(), 0, false, null,
                        batch.frame(i));
                case PacketBatch.TO_UNDERLAY -> new Result(hops, Outcome.ENCAPSULATED, null, batch.outAddress[i],
                        batch.encap[i] == ForwardingTables.NVGRE, null, batch.frame(i));
                case PacketBatch.TO_UPLINK -> new Result(hops, Outcome.UPLINK, tables.uplink.device(), 0, false, null, batch.frame(i));
                default -> new Result(hops, Outcome.DROPPED, null, 0, false, DropReason.values()[batch.reason[i]], batch.frame(i));
            };
        }
    }
}

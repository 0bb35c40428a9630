package dev.weft.agent.dataplane;

import dev.weft.contract.ContractException;
import dev.weft.contract.ApiError;
import dev.weft.contract.Encapsulation;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.fastpath.node.VxlanInput;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.fastpath.trace.PacketTracer;
import dev.weft.net.Ipv4;
import java.lang.foreign.MemorySegment;
import java.util.Base64;

/**
 * Runs a {@link TraceRequest} through the packet graph over one host's tables: the agent's live tables
 * for {@code POST /v1/trace}, or tables compiled from a revision for {@code weft trace} without {@code --live}.
 * Both go through the same nodes the workers run.
 */
public final class Tracing {

    private Tracing() {
    }

    /** @param underlay the host's provider address (the outer source of what it encapsulates) */
    public static TraceResponse run(String host, TableSnapshot snapshot, Ipv4 underlay, TraceRequest request) throws ContractException {
        return run(host, snapshot, underlay, request, new dev.weft.fastpath.uplink.Neighbors(), PacketTracer.Devices.UNKNOWN);
    }

    /**
     * As {@link #run(String, TableSnapshot, Ipv4, TraceRequest)} with the host's uplink neighbours as they are and what its
     * devices take whole.
     */
    public static TraceResponse run(String host, TableSnapshot snapshot, Ipv4 underlay, TraceRequest request,
                                    dev.weft.fastpath.uplink.Neighbors neighbors, PacketTracer.Devices devices) throws ContractException {
        try (ForwardingTables tables = new ForwardingTables(snapshot, underlay.value())) {
            int inPort;
            if (request.port() != null) {
                inPort = -1;
                for (int p = 0; p < tables.portCount(); p++) {
                    if (tables.ports[p].name().equals(request.port())) {
                        inPort = p;
                    }
                }
                if (inPort < 0) {
                    throw new ContractException(ApiError.INVALID, "port: " + request.port() + " is not a port of host " + host);
                }
            } else if (request.fromUplink()) {
                if (tables.uplink == null) {
                    throw new ContractException(ApiError.INVALID, "uplink: host " + host + " has no uplink");
                }
                inPort = PacketBatch.UPLINK;
            } else {
                inPort = request.encapsulation() == Encapsulation.NVGRE ? PacketBatch.UNDERLAY_GRE : PacketBatch.UNDERLAY;
            }
            byte[] frame = request.frameBytes();
            if (inPort == PacketBatch.UPLINK && frame.length >= 6) { // addressed to the uplink device, whose MAC the sender needn't know
                Bytes.mac(MemorySegment.ofArray(frame), 0, neighbors.ownMac());
            }
            int limit = inPort == PacketBatch.UNDERLAY ? VxlanInput.HEADER + PacketBatch.MAX_GSO_FRAME
                    : request.segmentSize() != null ? PacketBatch.MAX_GSO_FRAME : PacketBatch.MAX_FRAME;
            if (frame.length > limit) {
                throw new ContractException(ApiError.INVALID, "frame: " + frame.length + " bytes is more than the host takes (" + limit + ")");
            }
            PacketTracer.Result result;
            try {
                result = PacketTracer.trace(tables, inPort, request.underlaySource() == null ? 0 : request.underlaySource().value(), frame,
                        neighbors, request.segmentSize() == null ? 0 : request.segmentSize(), devices);
            } catch (IllegalArgumentException e) {
                throw new ContractException(ApiError.INVALID, "frame: " + e.getMessage());
            }
            return new TraceResponse(host, result.hops().stream().map(h -> new TraceResponse.Hop(h.node(), h.decision())).toList(),
                    TraceResponse.Outcome.valueOf(result.outcome().name()), result.port(),
                    result.outcome() == PacketTracer.Outcome.ENCAPSULATED ? new Ipv4(result.underlay()) : null,
                    result.outcome() == PacketTracer.Outcome.ENCAPSULATED ? (result.nvgre() ? Encapsulation.NVGRE : Encapsulation.VXLAN) : null,
                    result.reason() == null ? null : result.reason().name(), Base64.getEncoder().encodeToString(result.frame()),
                    result.segments(), !result.whole());
        }
    }
}

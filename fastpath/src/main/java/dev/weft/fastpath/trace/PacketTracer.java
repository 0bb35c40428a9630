package dev.weft.fastpath.trace;

import dev.weft.fastpath.graph.TraceRecord;
import dev.weft.fastpath.io.GsoRun;
import dev.weft.fastpath.io.Segmenter;
import dev.weft.fastpath.io.Underlay;
import dev.weft.fastpath.node.VxlanInput;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.Neighbors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one packet through a fresh copy of the packet graph over the given tables, with the trace on,
 * and sends nothing: what {@code weft trace} and the agent's {@code POST /v1/trace} use. The graph is
 * the one workers run (same nodes, same code); only its flow cache and connection tracking are new, so
 * the packet is decided as the first of its flow.
 *
 * <p>A VM's TSO frame (a port's frame with a segment size) enters as the TAP path takes it ({@link Segmenter}), and a
 * VXLAN datagram as the underlay takes it ({@link Underlay#take}): either may become one GSO frame. The trace follows
 * it whole, and where a node cuts it, its first segment; a last step, {@code send}, says whether it leaves the host
 * whole or as its segments, as the worker decides it.
 */
public final class PacketTracer {

    /** The step after the graph where a GSO frame leaves whole or is cut: the worker's, not a node's. */
    public static final String SEND = "send";
    /** The step before the graph where a VM's offload frame is cut as it is read: the device reader's, not a node's. */
    public static final String READ = "read";

    private PacketTracer() {
    }

    /**
     * Where the packet ends: a local port, another host (with the bytes to send it), the uplink ({@code port}: its device), or a
     * drop. {@code segments}: how many TCP segments the frame carries (1 for a plain frame); {@code whole}: whether it
     * leaves as one (GSO) frame, else {@code frame} is its first segment.
     */
    public record Result(List<TraceRecord> hops, Outcome outcome, String port, int underlay, boolean nvgre, DropReason reason,
                         byte[] frame, int segments, boolean whole) {
    }

    public enum Outcome { DELIVERED, ENCAPSULATED, UPLINK, DROPPED }

    /**
     * What a host's devices take whole, for the {@link #SEND} step of a GSO frame; what isn't known (a trace over a
     * revision's tables, no live host) is null, and the step says what it depends on.
     */
    public interface Devices {
        /** The tunnel device GSO frames leave whole through as VXLAN, "" when the host has none, null when not known. */
        String tunnel();

        /** Whether {@code port}'s device takes a GSO frame whole (TAP offloads, a vhost-user guest with TSO); null when not known. */
        Boolean takesGso(String port);

        Devices UNKNOWN = new Devices() {
            @Override
            public String tunnel() {
                return null;
            }

            @Override
            public Boolean takesGso(String port) {
                return null;
            }
        };
    }

    /**
     * @param inPort a port index of {@code tables}, {@link PacketBatch#UNDERLAY} (frame from its VXLAN header),
     *               {@link PacketBatch#UNDERLAY_GRE} (frame from its outer IPv4 header) or {@link PacketBatch#UPLINK} (an
     *               Ethernet frame from outside the fleet, as the host's uplink device receives it)
     * @param underlaySource for underlay frames, the provider address they come from
     */
    public static Result trace(ForwardingTables tables, int inPort, int underlaySource, byte[] frame) {
        return trace(tables, inPort, underlaySource, frame, new Neighbors(), 0, Devices.UNKNOWN);
    }

    /**
     * As {@link #trace(ForwardingTables, int, int, byte[])}, with the host's uplink neighbours as they are, looked up in a
     * copy (the trace asks nobody and leaves no packet waiting; a fresh table knows none: a packet for the uplink then waits
     * for its next hop's answer while its slot becomes the ARP request, as on a new host).
     *
     * @param segmentSize for a frame from a port, a VM's TSO frame's segment size or USO frame's datagram size (its
     *                    virtio-net header's {@code gso_size}); for a VXLAN datagram carrying a whole USO frame, its datagram
     *                    size (the receiving socket's {@code UDP_GRO} size); else 0
     * @throws IllegalArgumentException for a frame the host would drop before the graph (too large, a malformed TSO frame)
     */
    public static Result trace(ForwardingTables tables, int inPort, int underlaySource, byte[] frame, Neighbors neighbors, int segmentSize,
                               Devices devices) {
        Pipeline pipeline = new Pipeline(16, new dev.weft.fastpath.security.Conntrack(1 << 10), new dev.weft.fastpath.uplink.NatSessions(16), neighbors.copy());
        pipeline.graph().tracing(true);
        try (PacketBatch first = new PacketBatch(); PacketBatch back = new PacketBatch(); Arena arena = Arena.ofConfined()) {
            PacketBatch batch = first;
            int i = add(batch, arena, frame, inPort, underlaySource, segmentSize);
            int segments = batch.gsoSize[i] > 0 ? batch.segments(i) : batch.count(); // a TSO frame the segmenter had to cut: its first
            boolean whole = batch.count() == 1;
            pipeline.process(batch, tables);
            List<TraceRecord> hops = new ArrayList<>();
            if (batch.gsoSize[i] == 0 && batch.count() > 1) { // cut by the segmenter as the port's device is read
                hops.add(new TraceRecord(i, READ, (batch.protocol[i] == dev.weft.fastpath.packet.Parser.UDP ? "USO frame cut into " + segments
                        + " datagrams" : "TSO frame cut into " + segments + " segments") + " of " + segmentSize + " bytes as it is read; the trace follows the first"));
            }
            for (int pass = 0; ; pass++) {
                for (TraceRecord hop : pipeline.graph().takeTrace()) { // the frame's, and once a node cut it, its first segment's
                    if (hop.packet() == i) {
                        hops.add(hop);
                        whole &= hop.next() < 0;
                        i = hop.next() >= 0 ? hop.next() : i;
                    }
                }
                if (batch.verdict[i] != PacketBatch.HAIRPIN || pass > 0) {
                    break;
                }
                if (batch.gsoSize[i] > 0) { // the worker cuts it first
                    hops.add(new TraceRecord(i, SEND, send(batch, i, tables, devices)));
                    i = batch.cut(i, 0);
                    whole = false;
                }
                int again = back.addTurnedBack(batch, i); // in again, as the worker's hairpin batch takes it
                batch = back;
                i = again;
                pipeline.process(batch, tables);
            }
            if (whole && batch.gsoSize[i] == 0) {
                segments = 1; // not a GSO frame (any more: uplink-output made an ARP request of it)
            } else if (batch.gsoSize[i] > 0 && batch.verdict[i] != PacketBatch.DROP) {
                String send = send(batch, i, tables, devices);
                whole = !send.startsWith("cut");
                hops.add(new TraceRecord(i, SEND, send));
                if (!whole) {
                    i = batch.cut(i, batch.verdict[i] == PacketBatch.TO_UNDERLAY ? VxlanInput.HEADER : 0);
                }
            }
            if (batch.verdict[i] == PacketBatch.TO_PORT && batch.protocol[i] == dev.weft.fastpath.packet.Parser.UDP && batch.gsoSize[i] == 0
                    && tables.portUdpCoalescing[batch.outPort[i]]) {
                hops.add(new TraceRecord(i, SEND, GsoRun.datagram(batch, i)
                        ? "UDP to a VM that takes coalesced UDP: with the datagrams of its flow that follow it in a batch, as one frame where its device takes USO (a TAP device on Linux 6.2 or later, a vhost-user guest with GUEST_USO4)"
                        : "UDP to a VM that takes coalesced UDP, but alone: not a datagram a run can carry (IP options, a fragment, padding or a wrong checksum)"));
            }
            return switch (batch.verdict[i]) {
                case PacketBatch.TO_PORT -> new Result(hops, Outcome.DELIVERED, tables.ports[batch.outPort[i]].name(), 0, false, null,
                        batch.frame(i), segments, whole);
                case PacketBatch.TO_UNDERLAY -> new Result(hops, Outcome.ENCAPSULATED, null, batch.outAddress[i],
                        batch.encap[i] == ForwardingTables.NVGRE, null, batch.frame(i), segments, whole);
                case PacketBatch.TO_UPLINK -> new Result(hops, Outcome.UPLINK, tables.uplink.device(), 0, false, null, batch.frame(i),
                        segments, whole);
                default -> new Result(hops, Outcome.DROPPED, null, 0, false, batch.verdict[i] == PacketBatch.HAIRPIN ? DropReason.NO_EGRESS
                        : DropReason.values()[batch.reason[i]], batch.frame(i), segments, whole);
            };
        }
    }

    /** Adds the frame to the batch as the device it comes from would: a TSO frame through the segmenter, VXLAN as the underlay takes it. */
    private static int add(PacketBatch batch, Arena arena, byte[] frame, int inPort, int underlaySource, int segmentSize) {
        int i;
        if (inPort == PacketBatch.UNDERLAY) {
            MemorySegment datagram = arena.allocate(Math.max(1, frame.length));
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, datagram, 0, frame.length);
            i = segmentSize > 0 && Underlay.wholeUdp(datagram, frame.length) // a whole USO frame, its datagram size as the kernel reports it
                    ? Underlay.takeWholeUdp(batch, datagram, frame.length, segmentSize, underlaySource)
                    : Underlay.take(batch, datagram, 0, frame.length, underlaySource, true);
            if (i < 0) {
                throw new IllegalArgumentException("a VXLAN datagram of " + frame.length + " bytes is more than the underlay takes: dropped as oversized");
            }
        } else if (segmentSize > 0 && inPort >= 0) {
            MemorySegment read = arena.allocate(Segmenter.VNET_HEADER + frame.length); // as a TAP device's read leaves it
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, read, Segmenter.VNET_HEADER, frame.length);
            int l3 = frame.length > 14 && (frame[12] & 0xff) == 0x81 && frame[13] == 0 ? 18 : 14;
            int l4 = frame.length > l3 ? l3 + (frame[l3] & 0x0f) * 4 : l3;
            boolean udp = frame.length > l3 + 9 && frame[l3 + 9] == dev.weft.fastpath.packet.Parser.UDP;
            if (udp) {
                GsoRun.udpNetHeader(read, l4 + 8, segmentSize, l4);
            } else {
                int headers = frame.length > l4 + 12 ? l4 + ((frame[l4 + 12] & 0xff) >>> 4) * 4 : l4;
                GsoRun.netHeader(read, headers, segmentSize, l4);
            }
            if (Segmenter.add(read, (int) read.byteSize(), true, batch, inPort) < 0) {
                throw new IllegalArgumentException(udp
                        ? "the host would drop this USO frame as malformed (an IPv4 UDP frame of at most " + Segmenter.MAX_DATAGRAMS
                                + " datagrams, each with its headers within " + PacketBatch.MAX_FRAME + " bytes)"
                        : "the host would drop this TSO frame as malformed (an IPv4 TCP frame whose headers and a "
                        + segmentSize + "-byte segment fit " + PacketBatch.MAX_FRAME + " bytes, " + PacketBatch.MAX_GSO_FRAME + " in all)");
            }
            i = 0;
        } else {
            i = batch.add(frame, inPort);
            if (i < 0) {
                throw new IllegalArgumentException("a frame of " + frame.length + " bytes does not fit a batch slot");
            }
        }
        batch.underlaySource[i] = underlaySource;
        return i;
    }

    /**
     * Whether GSO frame {@code i} leaves whole, as {@code Worker.takesWhole} decides it for the host's devices (the step's
     * text starts with "cut" when it doesn't): a VM's device that takes TSO and no inbound limit on the port (for a USO frame,
     * a NIC that asks for {@code udpReceiveCoalescing}); VXLAN through a tunnel device when its IPv4 packet is over
     * {@link Underlay#sendsWhole 1,500 bytes} (a USO frame's datagrams at most {@link Underlay#WHOLE_DATAGRAMS}); the uplink
     * always; NVGRE never.
     */
    private static String send(PacketBatch b, int i, ForwardingTables tables, Devices devices) {
        boolean udp = b.protocol[i] == dev.weft.fastpath.packet.Parser.UDP;
        String gso = udp ? "USO frame, " + b.segments(i) + " datagrams of " + b.gsoSize[i] + " bytes"
                : "GSO frame, " + b.segments(i) + " segments of " + b.gsoSize[i] + " bytes";
        return switch (b.verdict[i]) {
            case PacketBatch.TO_PORT -> {
                String port = tables.ports[b.outPort[i]].name();
                Boolean takes = devices.takesGso(port);
                if (tables.ports[b.outPort[i]].qos().inboundBitsPerSecond() > 0) {
                    yield "cut: " + gso + ", the port has an inbound limit";
                }
                if (udp) {
                    yield !tables.portUdpCoalescing[b.outPort[i]] ? "cut: " + gso + ", the VM's NIC doesn't ask for udpReceiveCoalescing"
                            : gso + ": to the VM whole where its device takes USO (a TAP device on Linux 6.2 or later, a vhost-user guest with GUEST_USO4), else cut here";
                }
                yield takes == null ? gso + ": to the VM whole where its device takes TSO (else cut here)"
                        : takes ? gso + ": to the VM whole, its device takes TSO" : "cut: " + gso + ", the VM's device takes no TSO";
            }
            case PacketBatch.TO_UNDERLAY -> {
                String tunnel = devices.tunnel();
                if (b.encap[i] == ForwardingTables.NVGRE) {
                    yield "cut: " + gso + ", NVGRE leaves segment by segment";
                }
                if (!Underlay.overMtu(b, i)) {
                    yield "cut: " + gso + ", 1,500 bytes or less, as one UDP_SEGMENT send";
                }
                if (udp && b.segments(i) > Underlay.WHOLE_DATAGRAMS) {
                    yield "cut: " + gso + ", more than " + Underlay.WHOLE_DATAGRAMS + " datagrams (a receiver's budget), as one UDP_SEGMENT send";
                }
                yield tunnel == null ? gso + ": VXLAN whole where the host has a tunnel device (else cut into a UDP_SEGMENT send)"
                        : tunnel.isEmpty() ? "cut: " + gso + ", the host has no tunnel device, as one UDP_SEGMENT send"
                        : gso + ": VXLAN whole through " + tunnel + ", cut by the kernel or NIC where it must be";
            }
            case PacketBatch.TO_UPLINK -> gso + ": out of the uplink whole (packet socket with a virtio-net header)";
            case PacketBatch.HAIRPIN -> "cut: " + gso + ", to come back in as from the uplink";
            default -> "cut: " + gso;
        };
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.lb.ProbeTable;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A backend's answers to the host's health probes (sent from its port's gateway address): for a TCP probe a
 * SYN-ACK is healthy and gets a RST; for an HTTP probe the SYN-ACK is answered in place with the request
 * ({@code GET path HTTP/1.0}) and the response's status line decides (200 is healthy), then a RST ends it; a RST
 * from the backend is unhealthy. Everything is answered in place or taken; nothing is forwarded.
 */
public final class LbProbe implements Node {

    public static final String NAME = "lb-probe";
    static final int PORT_OUTPUT = 0;
    private static final int FIN = 1;
    private static final int SYN = 2;
    private static final int RST = 4;
    private static final int PSH = 8;
    private static final int ACK = 16;

    private final ProbeTable probes;

    public LbProbe(ProbeTable probes) {
        this.probes = probes;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Reads the probe's answer: frames come whole. */
    @Override
    public boolean linear() {
        return true;
    }

    @Override
    public List<String> arcs() {
        return List.of(PortOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        MemorySegment m = b.memory();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int in = b.inPort[i];
            int vni = b.vni[i];
            int backend = b.srcIp[i];
            int probePort = b.dstPort[i];
            ProbeTable.Probe probe = probes.pending(vni, backend, probePort);
            long s = b.start[i];
            long tcp = s + b.l4[i];
            int headerLength = (Bytes.u8(m, tcp + 12) >>> 4) * 4;
            long end = s + b.l3[i] + Bytes.u16(m, s + b.l3[i] + 2);
            int dataLength = (int) (end - tcp - headerLength);
            int flags = Bytes.u8(m, tcp + 13);
            int seq = Bytes.u32(m, tcp + 4);
            int ack = Bytes.u32(m, tcp + 8);
            if (probe == null || !DnsServer.answerable(b, i) || (flags & RST) != 0) {
                if (probe != null) {
                    probes.decided(vni, backend, probePort, false); // refused
                }
                if (tracing) {
                    d.trace(i, probe == null ? "no probe waits for this answer: taken" : "RST: the backend refused the probe, unhealthy");
                }
                next[k] = Dispatch.DROPPED; // taken, not a drop
                continue;
            }
            byte[] request = null;
            String decision;
            if ((flags & (SYN | ACK)) == (SYN | ACK)) {
                if (probe.kind() == ProbeTable.Kind.TCP) {
                    probes.decided(vni, backend, probePort, true);
                    decision = "SYN-ACK: healthy (TCP probe), reset";
                } else {
                    request = ("GET " + probe.path() + " HTTP/1.0\r\nHost: " + Text.ip(backend) + "\r\nUser-Agent: weft-probe\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    decision = "SYN-ACK: request GET " + probe.path();
                }
            } else if (dataLength > 0 && probe.kind() == ProbeTable.Kind.HTTP) {
                boolean ok = dataLength >= 12 && Bytes.u32(m, tcp + headerLength) == 0x48545450 // "HTTP"
                        && Bytes.u8(m, tcp + headerLength + 9) == '2' && Bytes.u16(m, tcp + headerLength + 10) == 0x3030; // "200"
                probes.decided(vni, backend, probePort, ok);
                decision = "response: " + (ok ? "200, healthy" : "not 200, unhealthy") + "; reset";
            } else {
                if (tracing) {
                    d.trace(i, "an acknowledgement of the probe: taken");
                }
                next[k] = Dispatch.DROPPED;
                continue;
            }
            int replySeq = ack;
            int replyAck = seq + dataLength + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
            int replyFlags = request == null ? RST | ACK : PSH | ACK;
            int data = request == null ? 0 : request.length;
            if (14 + 20 + 20 + data > PacketBatch.SLOT - (s - b.slotBase(i))) {
                next[k] = Dispatch.DROPPED;
                continue;
            }
            if (request != null) {
                MemorySegment.copy(MemorySegment.ofArray(request), 0, m, s + 54, data); // behind the reply's 20-byte header
            }
            long out = s + 34;
            int gateway = t.portGateway[in];
            int probeTarget = Bytes.u16(m, tcp);
            DnsServer.replyHeaders(m, s, t, in, backend, 6, 20 + data);
            Bytes.u16(m, out, probePort);
            Bytes.u16(m, out + 2, probeTarget);
            Bytes.u32(m, out + 4, replySeq);
            Bytes.u32(m, out + 8, replyAck);
            Bytes.u16(m, out + 12, 5 << 12 | replyFlags);
            Bytes.u16(m, out + 14, 65535);
            Bytes.u16(m, out + 16, 0);
            Bytes.u16(m, out + 18, 0);
            int tcpLength = 20 + data;
            long sum = Checksum.sum(m, out, tcpLength) + (gateway >>> 16) + (gateway & 0xffff) + (backend >>> 16) + (backend & 0xffff) + 6 + tcpLength;
            Bytes.u16(m, out + 16, Checksum.finish(sum));
            b.length[i] = 34 + tcpLength;
            b.outPort[i] = in;
            if (tracing) {
                d.trace(i, decision);
            }
            next[k] = PORT_OUTPUT;
        }
    }
}

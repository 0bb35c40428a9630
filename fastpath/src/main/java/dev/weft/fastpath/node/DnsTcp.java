package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.List;

/**
 * DNS over TCP at the gateway's port 53 (RFC 7766), without connection state: a SYN gets a SYN-ACK whose
 * sequence number is a keyed hash of the connection (as SYN cookies are), a query in one segment gets the
 * answer and a FIN in one segment, the client's FIN gets its ACK; a segment that doesn't belong to such a
 * connection gets a RST. Queries split over several segments are not taken (RST).
 */
public final class DnsTcp implements Node {

    public static final String NAME = "dns-tcp";
    static final int PORT_OUTPUT = 0;
    private static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;
    private final long secret = new SecureRandom().nextLong();

    @Override
    public String name() {
        return NAME;
    }

    /** Reads the query and answers in place: frames come whole. */
    @Override
    public boolean linear() {
        return true;
    }

    @Override
    public List<String> arcs() {
        return List.of(PortOutput.NAME);
    }

    /** The server's initial sequence number of a connection: a keyed hash of its addresses and ports. */
    private int isn(int client, int clientPort, int server) {
        long h = (client * 0x9E3779B97F4A7C15L) ^ ((long) clientPort << 32 | (server & 0xffffffffL)) * 0xC2B2AE3D27D4EB4FL ^ secret;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ h >>> 32);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        MemorySegment m = b.memory();
        StringBuilder name = new StringBuilder(64);
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int in = b.inPort[i];
            long s = b.start[i];
            long tcp = s + b.l4[i];
            if (!DnsServer.answerable(b, i)) {
                next[k] = d.drop(i, DropReason.BAD_DNS);
                continue;
            }
            int headerLength = (Bytes.u8(m, tcp + 12) >>> 4) * 4;
            long payload = tcp + headerLength;
            long end = s + 14 + Bytes.u16(m, s + 16);
            int flags = Bytes.u8(m, tcp + 13);
            int seq = Bytes.u32(m, tcp + 4);
            int ack = Bytes.u32(m, tcp + 8);
            int client = b.srcIp[i];
            int clientPort = b.srcPort[i];
            int isn = isn(client, clientPort, b.dstIp[i]);
            int dataLength = (int) (end - payload);
            int replySeq;
            int replyAck;
            int replyFlags;
            int replyData = 0;
            String decision;
            if ((flags & RST) != 0) {
                next[k] = d.drop(i, DropReason.DNS_TCP_NO_REPLY);
                continue;
            } else if ((flags & SYN) != 0 && (flags & ACK) == 0) {
                replySeq = isn;
                replyAck = seq + 1;
                replyFlags = SYN | ACK;
                decision = "SYN → SYN-ACK";
            } else if ((flags & ACK) == 0 || ack - (isn + 1) < 0 || ack - (isn + 1) > 65537) {
                replySeq = ack;
                replyAck = 0;
                replyFlags = RST;
                decision = "not a connection of the host's: RST";
            } else if (dataLength > 0) {
                int prefix = dataLength >= 2 ? Bytes.u16(m, payload) : -1;
                DnsServer.Answer answer = prefix == dataLength - 2 ? DnsServer.answer(m, payload + 2, end, t.zone(t.portVni[in]), name) : null;
                if (answer == null) {
                    replySeq = ack;
                    replyAck = 0;
                    replyFlags = RST;
                    decision = "not one whole query in one segment: RST";
                } else {
                    replyData = (int) (answer.end() - payload);
                    Bytes.u16(m, payload, replyData - 2);
                    replySeq = isn + 1;
                    replyAck = seq + dataLength;
                    replyFlags = ACK | PSH | FIN; // the answer, and the host closes its side
                    decision = answer.trace() + ", then FIN";
                }
            } else if ((flags & FIN) != 0) {
                replySeq = ack;
                replyAck = seq + 1;
                replyFlags = ACK;
                decision = "FIN → ACK";
            } else {
                next[k] = d.drop(i, DropReason.DNS_TCP_NO_REPLY); // the handshake's ACK, or an ACK of the answer
                continue;
            }
            if (replyData > 0 || replyFlags != RST) {
                // data (if any) stays where it is, behind a 20-byte header
                if (headerLength != 20 && replyData > 0) {
                    MemorySegment.copy(m, payload, m, tcp + 20, replyData);
                }
            }
            int tcpLength = 20 + replyData;
            DnsServer.replyHeaders(m, s, t, in, client, 6, tcpLength);
            int gateway = t.portGateway[in];
            Bytes.u16(m, tcp, DnsServer.PORT);
            Bytes.u16(m, tcp + 2, clientPort);
            Bytes.u32(m, tcp + 4, replySeq);
            Bytes.u32(m, tcp + 8, replyAck);
            Bytes.u16(m, tcp + 12, 5 << 12 | replyFlags);
            Bytes.u16(m, tcp + 14, 65535);
            Bytes.u16(m, tcp + 16, 0);
            Bytes.u16(m, tcp + 18, 0);
            long sum = Checksum.sum(m, tcp, tcpLength) + (gateway >>> 16) + (gateway & 0xffff) + (client >>> 16) + (client & 0xffff) + 6 + tcpLength;
            Bytes.u16(m, tcp + 16, Checksum.finish(sum));
            b.length[i] = 14 + 20 + tcpLength;
            b.outPort[i] = in;
            if (tracing) {
                d.trace(i, decision);
            }
            next[k] = PORT_OUTPUT;
        }
    }
}

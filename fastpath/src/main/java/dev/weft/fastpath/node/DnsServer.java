package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DnsName;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.Ipv4Header;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.DnsZone;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;

/**
 * The host's DNS server for its ports' own network (over UDP, at the subnet's gateway address; TCP is
 * {@link DnsTcp}), answering in
 * place: A records of {@code <nic>.<network>.<tenant>.internal} and their PTR records; NXDOMAIN for any other
 * name under {@code .internal} or reverse name in the network's space (another tenant's names don't exist
 * here, whatever the query); REFUSED for names outside (the host has no way out yet). One question per
 * query; compression pointers in it, truncated or oversized labels and other malformed queries are dropped
 * and counted.
 */
public final class DnsServer implements Node {

    public static final String NAME = "dns";
    public static final int PORT = 53;
    static final int PORT_OUTPUT = 0;
    static final int TTL = 60;
    static final int A = 1, PTR = 12;
    static final int NOERROR = 0, NXDOMAIN = 3, REFUSED = 5;
    private static final String REVERSE = ".in-addr.arpa";

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

    /** The outcome of {@link #answer}: where the message now ends, and a line for the trace. */
    record Answer(long end, String trace) {
    }

    /**
     * Reads the query in {@code [dns, end)} and overwrites it with the answer, in place; null when the query
     * is malformed. The answer may run past {@code end} (up to about 300 bytes more: one record).
     */
    static Answer answer(MemorySegment m, long dns, long end, DnsZone zone, StringBuilder name) {
        if (end - dns < 12 + 5 || end - dns > 512 || (Bytes.u16(m, dns + 2) & 0xf800) != 0 || Bytes.u16(m, dns + 4) != 1
                || Bytes.u16(m, dns + 6) != 0 || Bytes.u16(m, dns + 8) != 0) {
            return null; // a query (QR 0, opcode QUERY) with one question and nothing else but EDNS
        }
        // the question: labels of at most 63 bytes, at most 255 in all, no compression pointer
        name.setLength(0);
        long o = dns + 12;
        while (true) {
            if (o >= end) {
                return null;
            }
            int length = Bytes.u8(m, o);
            if (length == 0) {
                o++;
                break;
            }
            if (length > 63 || o + 1 + length > end || name.length() + length + 1 > 255) {
                return null;
            }
            if (!name.isEmpty()) {
                name.append('.');
            }
            for (int c = 0; c < length; c++) {
                name.append((char) Bytes.u8(m, o + 1 + c));
            }
            o += 1 + length;
        }
        if (o + 4 > end || Bytes.u16(m, o + 2) != 1) { // class IN
            return null;
        }
        int type = Bytes.u16(m, o);
        long questionEnd = o + 4;
        String query = name.toString().toLowerCase(Locale.ROOT);
        int rcode;
        int address = 0;
        String target = null;
        if (zone != null && zone.contains(query)) {
            Integer found = zone.address(query);
            rcode = found == null ? NXDOMAIN : NOERROR;
            address = found == null ? 0 : found;
        } else if (query.endsWith(REVERSE) && reverse(query) != null) {
            int ip = reverse(query);
            target = zone == null ? null : zone.name(ip);
            rcode = target != null ? NOERROR : zone != null && zone.inSpace(ip) ? NXDOMAIN : REFUSED;
        } else if (query.equals("internal") || query.endsWith(".internal")) {
            rcode = NXDOMAIN; // another network's or tenant's zone: it doesn't exist here
        } else {
            rcode = REFUSED;
        }
        boolean answer = rcode == NOERROR && ((type == A && target == null && address != 0) || (type == PTR && target != null));
        long a = questionEnd;
        if (answer) {
            Bytes.u16(m, a, 0xc00c); // the name: a pointer to the question's
            Bytes.u16(m, a + 2, type);
            Bytes.u16(m, a + 4, 1);
            Bytes.u32(m, a + 6, TTL);
            if (type == A) {
                Bytes.u16(m, a + 10, 4);
                Bytes.u32(m, a + 12, address);
                a += 16;
            } else {
                byte[] rdata = DnsName.encode(target);
                Bytes.u16(m, a + 10, rdata.length);
                MemorySegment.copy(rdata, 0, m, ValueLayout.JAVA_BYTE, a + 12, rdata.length);
                a += 12 + rdata.length;
            }
        }
        int flags = 0x8000 | 0x0400 | (Bytes.u16(m, dns + 2) & 0x0100) | rcode; // QR, AA, RD echoed, rcode
        Bytes.u16(m, dns + 2, flags);
        Bytes.u16(m, dns + 6, answer ? 1 : 0);
        Bytes.u16(m, dns + 10, 0); // additional records (EDNS) are not echoed
        String trace = (type == A ? "A " : type == PTR ? "PTR " : "type " + type + " ") + query + " → "
                + (answer ? (type == A ? Text.ip(address) : target) : rcode == NOERROR ? "no record of that type"
                : rcode == NXDOMAIN ? "NXDOMAIN" : "REFUSED (outside the network's zone)");
        return new Answer(a, trace);
    }

    /** Rewrites the Ethernet and IPv4 headers of frame {@code i} into a reply from the port's gateway to the port. */
    static void replyHeaders(MemorySegment m, long s, ForwardingTables t, int in, int client, int protocol, int ipPayload) {
        int gateway = t.portGateway[in];
        PortOutput.fromRouter(m, s, t, in);
        long ip = s + 14;
        int total = 20 + ipPayload;
        Ipv4Header.write(m, ip, gateway, client, protocol, total, false);
    }

    /**
     * Whether a query's headers are ones a reply can be written over: a whole (unfragmented) packet with a
     * plain Ethernet header and an IPv4 header without options.
     */
    static boolean answerable(PacketBatch b, int i) {
        return (b.flags[i] & Parser.FLAG_FRAGMENT) == 0 && b.l3[i] == 14 && b.l4[i] == 34;
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
            long udp = s + b.l4[i];
            if (!answerable(b, i)) {
                next[k] = d.drop(i, DropReason.BAD_DNS);
                continue;
            }
            Answer answer = answer(m, udp + 8, udp + Bytes.u16(m, udp + 4), t.zone(t.portVni[in]), name);
            if (answer == null) {
                next[k] = d.drop(i, DropReason.BAD_DNS);
                continue;
            }
            int udpLength = (int) (answer.end() - udp);
            int clientPort = b.srcPort[i];
            replyHeaders(m, s, t, in, b.srcIp[i], 17, udpLength);
            Bytes.u16(m, udp, PORT);
            Bytes.u16(m, udp + 2, clientPort);
            Bytes.u16(m, udp + 4, udpLength);
            Bytes.u16(m, udp + 6, 0);
            b.length[i] = 14 + 20 + udpLength;
            b.outPort[i] = in;
            if (tracing) {
                d.trace(i, answer.trace());
            }
            next[k] = PORT_OUTPUT;
        }
    }

    /** The address a reverse name ({@code 4.1.1.10.in-addr.arpa}) stands for, or null. */
    static Integer reverse(String name) {
        String[] parts = name.substring(0, name.length() - REVERSE.length()).split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int ip = 0;
        for (int p = 3; p >= 0; p--) {
            try {
                int octet = Integer.parseInt(parts[p]);
                if (octet < 0 || octet > 255 || parts[p].length() > 3) {
                    return null;
                }
                ip = ip << 8 | octet;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return ip;
    }
}

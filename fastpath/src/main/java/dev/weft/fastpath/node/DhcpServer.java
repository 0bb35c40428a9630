package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.Ipv4Header;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The host's DHCP server for its local ports (RFC 2131/2132), answered in place in the batch: DISCOVER →
 * OFFER and REQUEST → ACK with the port's own address (the static binding from Git), REQUEST for any other
 * address → NAK, INFORM → ACK with the options only, RELEASE and DECLINE taken without a reply. A request
 * must come from the port's own MAC ({@code chaddr}); option overload, truncated options and other
 * malformed messages are dropped and counted. DHCP never leaves the host.
 */
public final class DhcpServer implements Node {

    public static final String NAME = "dhcp";
    static final int PORT_OUTPUT = 0;

    public static final int SERVER_PORT = 67;
    public static final int CLIENT_PORT = 68;
    public static final int LEASE_SECONDS = 86_400;
    static final int COOKIE = 0x6382_5363;
    static final int BOOTP = 240; // fixed part and magic cookie; options follow
    static final int MAX_REQUEST = 1500;
    static final int MIN_REPLY = 300; // RFC 1542: BOOTP messages of at least 300 bytes

    static final int DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5, NAK = 6, RELEASE = 7, INFORM = 8;
    private static final String[] TYPES = {"?", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE", "DHCPACK", "DHCPNAK",
        "DHCPRELEASE", "DHCPINFORM"};

    @Override
    public String name() {
        return NAME;
    }

    /** Answers in place: frames come whole. */
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
            long s = b.start[i];
            int udp = b.l4[i];
            long bootp = s + udp + 8;
            int end = Math.min(b.length[i], b.l3[i] + Bytes.u16(m, s + b.l3[i] + 2)); // the IP datagram's end
            if (b.l3[i] != 14 || (b.flags[i] & dev.weft.fastpath.packet.Parser.FLAG_FRAGMENT) != 0 || b.length[i] > MAX_REQUEST + 14
                    || end < udp + 8 + BOOTP + 3 || Bytes.u8(m, bootp) != 1 || Bytes.u8(m, bootp + 1) != 1 || Bytes.u8(m, bootp + 2) != 6
                    || Bytes.u32(m, bootp + 236) != COOKIE) {
                next[k] = d.drop(i, DropReason.BAD_DHCP);
                continue;
            }
            long chaddr = Bytes.mac(m, bootp + 28);
            if (chaddr != t.portMac[in]) {
                next[k] = d.drop(i, DropReason.SPOOFED_SOURCE); // a VM asks for itself only
                continue;
            }
            int type = 0;
            int requested = 0;
            int server = 0;
            boolean malformed = false;
            for (long o = bootp + BOOTP, limit = s + end; o < limit; ) {
                int code = Bytes.u8(m, o);
                if (code == 255) {
                    break;
                }
                if (code == 0) {
                    o++;
                    continue;
                }
                if (o + 2 > limit || o + 2 + Bytes.u8(m, o + 1) > limit) {
                    malformed = true; // an option runs past the message
                    break;
                }
                int length = Bytes.u8(m, o + 1);
                switch (code) {
                    case 53 -> type = length == 1 ? Bytes.u8(m, o + 2) : -1;
                    case 50 -> requested = length == 4 ? Bytes.u32(m, o + 2) : -1;
                    case 54 -> server = length == 4 ? Bytes.u32(m, o + 2) : -1;
                    case 52 -> malformed = true; // option overload: options in sname/file are not taken
                    default -> {
                    }
                }
                o += 2 + length;
            }
            if (malformed || type < 1 || type > 8 || requested == -1 || server == -1) {
                next[k] = d.drop(i, DropReason.BAD_DHCP);
                continue;
            }
            int gateway = t.portGateway[in];
            int own = t.portIp[in];
            int ciaddr = Bytes.u32(m, bootp + 12);
            int reply;
            switch (type) {
                case DISCOVER -> reply = OFFER;
                case REQUEST -> {
                    if (server != 0 && server != gateway) {
                        next[k] = d.drop(i, DropReason.DHCP_NO_REPLY); // the client chose another server
                        continue;
                    }
                    reply = (requested != 0 ? requested : ciaddr) == own ? ACK : NAK;
                }
                case INFORM -> reply = ACK;
                case RELEASE, DECLINE -> {
                    if (tracing) {
                        d.trace(i, TYPES[type] + " from " + Text.mac(chaddr) + ": taken, no reply (the binding is static)");
                    }
                    next[k] = d.drop(i, DropReason.DHCP_NO_REPLY);
                    continue;
                }
                default -> {
                    next[k] = d.drop(i, DropReason.BAD_DHCP); // a server's message from a VM
                    continue;
                }
            }
            int xid = Bytes.u32(m, bootp + 4);
            int flags = Bytes.u16(m, bootp + 10);
            int giaddr = Bytes.u32(m, bootp + 24);
            int yiaddr = reply == NAK || type == INFORM ? 0 : own;
            int destination = ciaddr != 0 && reply != NAK ? ciaddr : (flags & 0x8000) != 0 || yiaddr == 0 ? 0xffff_ffff : yiaddr;
            int length = write(b, i, in, t, reply, type == INFORM, xid, flags, ciaddr, yiaddr, giaddr, chaddr, gateway, destination);
            b.length[i] = length;
            b.outPort[i] = in;
            if (tracing) {
                d.trace(i, TYPES[type] + " from " + Text.mac(chaddr) + " → " + TYPES[reply]
                        + (reply == NAK ? " (asked for " + Text.ip(requested != 0 ? requested : ciaddr) + ", the port's address is " + Text.ip(own) + ")"
                        : (yiaddr != 0 ? " " + Text.ip(yiaddr) + "/" + Integer.bitCount(t.portSubnetMask[in]) : "") + ", router " + Text.ip(gateway)
                        + (type == INFORM ? "" : ", lease " + LEASE_SECONDS + " s") + ", MTU " + t.ports[in].dhcp().mtu()));
            }
            next[k] = PORT_OUTPUT;
        }
    }

    /** Writes the reply over the request, from the Ethernet header on; returns the frame's length. */
    private static int write(PacketBatch b, int i, int in, ForwardingTables t, int reply, boolean inform, int xid, int flags, int ciaddr,
                             int yiaddr, int giaddr, long chaddr, int gateway, int destination) {
        MemorySegment m = b.memory();
        long s = b.start[i];
        long bootp = s + 14 + 20 + 8;
        m.asSlice(bootp, MIN_REPLY).fill((byte) 0);
        Bytes.u32(m, bootp, 0x0201_0600); // op BOOTREPLY, htype Ethernet, hlen 6, hops 0
        Bytes.u32(m, bootp + 4, xid);
        Bytes.u16(m, bootp + 10, flags);
        Bytes.u32(m, bootp + 12, reply == NAK ? 0 : ciaddr);
        Bytes.u32(m, bootp + 16, yiaddr);
        Bytes.u32(m, bootp + 24, giaddr);
        Bytes.mac(m, bootp + 28, chaddr);
        Bytes.u32(m, bootp + 236, COOKIE);
        long o = bootp + BOOTP;
        Bytes.u16(m, o, 53 << 8 | 1);
        Bytes.u8(m, o + 2, reply);
        Bytes.u16(m, o + 3, 54 << 8 | 4);
        Bytes.u32(m, o + 5, gateway);
        o += 9;
        if (reply != NAK) {
            if (!inform) {
                Bytes.u16(m, o, 51 << 8 | 4);
                Bytes.u32(m, o + 2, LEASE_SECONDS);
                o += 6;
            }
            byte[] options = t.portDhcpOptions[in];
            MemorySegment.copy(MemorySegment.ofArray(options), 0, m, o, options.length);
            o += options.length;
        }
        Bytes.u8(m, o, 255);
        int bootpLength = Math.max(MIN_REPLY, (int) (o + 1 - bootp));
        int udpLength = 8 + bootpLength;
        int total = 20 + udpLength;
        Bytes.mac(m, s, chaddr);
        Bytes.mac(m, s + 6, ForwardingTables.ROUTER_MAC);
        Bytes.u16(m, s + 12, 0x0800);
        long ip = s + 14;
        Ipv4Header.write(m, ip, gateway, destination, 17, total, false);
        Bytes.u16(m, ip + 20, SERVER_PORT);
        Bytes.u16(m, ip + 22, CLIENT_PORT);
        Bytes.u16(m, ip + 24, udpLength);
        Bytes.u16(m, ip + 26, 0); // no UDP checksum (allowed over IPv4)
        return 14 + total;
    }
}

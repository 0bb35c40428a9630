package dev.weft.fastpath;

import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.nio.ByteBuffer;
import java.util.List;

/** Reference frames built byte by byte, and the tables of one host (host-a, 198.18.0.1) to run them through. */
public final class Frames {

    public static final int HOST_A = Ipv4.parse("198.18.0.1").value();
    public static final int HOST_B = Ipv4.parse("198.18.0.2").value();

    public static final long WEB1_MAC = 0x0200_0a01_0104L; // tenant-a, 10.1.1.4, port 0
    public static final long DB2_MAC = 0x0200_0a01_0205L;  // tenant-a, 10.1.2.5, port 1
    public static final long APP1_MAC = 0x0201_0a01_0104L; // tenant-b, 10.1.1.4, port 2
    public static final long WEB2_MAC = 0x0200_0a01_0105L; // tenant-a, 10.1.1.5, on host-b
    public static final long DATA1_MAC = 0x0201_0a01_0204L; // tenant-b, 10.1.2.4, on host-b (NVGRE)

    public static final long WEB3_MAC = 0x0200_0a01_0106L; // tenant-a, 10.1.1.6, port 3

    public static final int WEB1 = 0, DB2 = 1, APP1 = 2, WEB3 = 3;

    private Frames() {
    }

    public static int ip(String text) {
        return Ipv4.parse(text).value();
    }

    public static TableSnapshot snapshot(long generation) {
        List<PortEntry> ports = List.of(
                new PortEntry("tenant-a/web-1", 5001, new MacAddress(WEB1_MAC), Ipv4.parse("10.1.1.4"), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1")),
                new PortEntry("tenant-a/db-2", 5001, new MacAddress(DB2_MAC), Ipv4.parse("10.1.2.5"), Ipv4Prefix.parse("10.1.2.0/24"), Ipv4.parse("10.1.2.1")),
                new PortEntry("tenant-b/app-1", 5002, new MacAddress(APP1_MAC), Ipv4.parse("10.1.1.4"), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1")),
                new PortEntry("tenant-a/web-3", 5001, new MacAddress(WEB3_MAC), Ipv4.parse("10.1.1.6"), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1")));
        MappingEntry.Encapsulation vxlan = MappingEntry.Encapsulation.VXLAN;
        MappingEntry.Encapsulation nvgre = MappingEntry.Encapsulation.NVGRE;
        List<MappingEntry> mappings = List.of(
                new MappingEntry(5001, Ipv4.parse("10.1.1.4"), new MacAddress(WEB1_MAC), new Ipv4(HOST_A), vxlan),
                new MappingEntry(5001, Ipv4.parse("10.1.2.5"), new MacAddress(DB2_MAC), new Ipv4(HOST_A), vxlan),
                new MappingEntry(5001, Ipv4.parse("10.1.1.5"), new MacAddress(WEB2_MAC), new Ipv4(HOST_B), vxlan),
                new MappingEntry(5002, Ipv4.parse("10.1.1.4"), new MacAddress(APP1_MAC), new Ipv4(HOST_A), nvgre),
                new MappingEntry(5002, Ipv4.parse("10.1.2.4"), new MacAddress(DATA1_MAC), new Ipv4(HOST_B), nvgre));
        List<NetworkEntry> networks = List.of(
                new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.1.1.0/24"), Ipv4Prefix.parse("10.1.2.0/24"))),
                new NetworkEntry(5002, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.1.1.0/24"), Ipv4Prefix.parse("10.1.2.0/24"))));
        return new TableSnapshot(generation, ports, mappings, networks);
    }

    public static ForwardingTables tables(long generation) {
        return new ForwardingTables(snapshot(generation), HOST_A);
    }

    static void mac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    /** Ethernet + IPv4 (no options, valid checksum, TTL 64) + UDP with {@code payload} bytes of payload. */
    public static byte[] udp(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        mac(b, dstMac);
        mac(b, srcMac);
        b.putShort((short) 0x0800);
        ipv4(b, 20 + 8 + payload, 17, src, dst);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** Ethernet + IPv4 + ICMP echo request. */
    public static byte[] ping(long srcMac, long dstMac, int src, int dst, int id) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 8);
        mac(b, dstMac);
        mac(b, srcMac);
        b.putShort((short) 0x0800);
        ipv4(b, 20 + 16, 1, src, dst);
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) 1).putLong(0x0102030405060708L);
        return b.array();
    }

    static void ipv4(ByteBuffer b, int total, int protocol, int src, int dst) {
        int at = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).putInt(src).putInt(dst);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((b.get(at + i) & 0xff) << 8) | (b.get(at + i + 1) & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        b.putShort(at + 10, (short) ~sum);
    }

    /** An ARP request: who has {@code target}? tell {@code sender}. */
    public static byte[] arpRequest(long senderMac, int sender, int target) {
        ByteBuffer b = ByteBuffer.allocate(42);
        mac(b, 0xffff_ffff_ffffL);
        mac(b, senderMac);
        b.putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        mac(b, senderMac);
        b.putInt(sender);
        mac(b, 0);
        b.putInt(target);
        return b.array();
    }

    /** What the underlay's UDP socket hands over for a VXLAN datagram: the VXLAN header with {@code vni}, then {@code inner}. */
    public static byte[] vxlan(int vni, byte[] inner) {
        ByteBuffer b = ByteBuffer.allocate(8 + inner.length);
        b.putInt(0x0800_0000).putInt(vni << 8);
        b.put(inner);
        return b.array();
    }

    /** What the raw GRE socket hands over for NVGRE: outer IPv4 (protocol 47), GRE with key {@code vsid << 8}, then {@code inner}. */
    public static byte[] nvgre(int vsid, int outerSrc, int outerDst, byte[] inner) {
        ByteBuffer b = ByteBuffer.allocate(28 + inner.length);
        ipv4(b, 28 + inner.length, 47, outerSrc, outerDst);
        b.putShort((short) 0x2000).putShort((short) 0x6558).putInt(vsid << 8);
        b.put(inner);
        return b.array();
    }

    /** {@code plain} with an 802.1Q tag for VLAN {@code vlan} in front of its EtherType. */
    public static byte[] tagged(byte[] plain, int vlan) {
        return dev.weft.fastpath.trace.Probe.vlan(plain, vlan);
    }

    /** {@code tagged} without its 802.1Q tag. */
    public static byte[] untagged(byte[] tagged) {
        byte[] plain = new byte[tagged.length - 4];
        System.arraycopy(tagged, 0, plain, 0, 12);
        System.arraycopy(tagged, 16, plain, 12, plain.length - 12);
        return plain;
    }

    public static int u16(byte[] f, int at) {
        return ((f[at] & 0xff) << 8) | (f[at + 1] & 0xff);
    }

    public static int u32(byte[] f, int at) {
        return (u16(f, at) << 16) | u16(f, at + 2);
    }

    public static long mac(byte[] f, int at) {
        return ((long) u16(f, at) << 32) | (u32(f, at + 2) & 0xffff_ffffL);
    }

    /** Whether the IPv4 header at {@code at} has a valid checksum. */
    public static boolean checksumOk(byte[] f, int at) {
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += u16(f, at + i);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }
}

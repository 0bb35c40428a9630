package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.Egress;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.fastpath.trace.Probe;
import dev.weft.fastpath.uplink.NatSessions;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * North–south through the pipeline: a port's public address (one-to-one NAT on this host's uplink), a NAT
 * gateway served here and one served by another host, ARP on the uplink, and what must never get out or in.
 */
class NatTest {

    static final long UPLINK_MAC = 0x0266_0000_0001L;
    static final long GATEWAY_MAC = 0x0266_0000_00feL;
    static final int INTERNET = ip("198.51.100.7");
    static final int WEB1_PUBLIC = ip("203.0.113.10");
    static final int EGRESS = ip("203.0.113.20");

    PacketBatch batch;
    ForwardingTables tables;
    Pipeline pipeline;

    static TableSnapshot snapshot(int natHost) {
        TableSnapshot plain = Frames.snapshot(1);
        Egress egress = new Egress(new Egress.Uplink("internet", "eth1", Ipv4Prefix.parse("203.0.113.0/24"), Ipv4.parse("203.0.113.1")),
                List.of(new Egress.PublicIp("tenant-a/web-ip", "tenant-a/web-1", new Ipv4(WEB1_PUBLIC))),
                List.of(new Egress.NatGateway("tenant-a/egress", new Ipv4(natHost), List.of(new Ipv4(EGRESS)), 240,
                        List.of(new Egress.Source(5001, Ipv4Prefix.parse("10.1.2.0/24"))))));
        return new TableSnapshot(1, plain.ports(), plain.mappings(), plain.networks(), egress);
    }

    @BeforeEach
    void setUp() {
        batch = new PacketBatch();
        tables = new ForwardingTables(snapshot(HOST_A), HOST_A);
        pipeline = new Pipeline(4096);
        pipeline.neighbors().ownMac(UPLINK_MAC);
        pipeline.neighbors().learn(ip("203.0.113.1"), GATEWAY_MAC);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    private int run(byte[] frame, int inPort) {
        batch.clear();
        int i = batch.add(frame, inPort);
        batch.underlaySource[i] = HOST_B;
        pipeline.process(batch, tables);
        return i;
    }

    static byte[] tcp(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort) {
        return Checksums.withL4(Probe.frame(srcMac, dstMac, src, dst, Probe.Protocol.tcp, srcPort, dstPort));
    }

    @Test
    void aPortWithAPublicAddressLeavesByTheUplinkAsThatAddressAndItsRepliesComeBack() {
        int i = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), INTERNET, 40000, 443), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UPLINK);
        byte[] out = batch.frame(i);
        assertThat(mac(out, 0)).isEqualTo(GATEWAY_MAC);
        assertThat(mac(out, 6)).isEqualTo(UPLINK_MAC);
        assertThat(u32(out, 26)).isEqualTo(WEB1_PUBLIC);
        assertThat(u32(out, 30)).isEqualTo(INTERNET);
        assertThat(u16(out, 34)).isEqualTo(40000);
        assertThat(out[22] & 0xff).isEqualTo(63);
        assertThat(Checksums.valid(out)).isTrue();

        int r = run(tcp(GATEWAY_MAC, UPLINK_MAC, INTERNET, WEB1_PUBLIC, 443, 40000), PacketBatch.UPLINK);
        assertThat(batch.verdict[r]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[r]).isEqualTo(WEB1);
        byte[] in = batch.frame(r);
        assertThat(mac(in, 0)).isEqualTo(WEB1_MAC);
        assertThat(mac(in, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
        assertThat(u32(in, 30)).isEqualTo(ip("10.1.1.4"));
        assertThat(Checksums.valid(in)).isTrue();
    }

    /**
     * An ICMP error from {@code router} to {@code to} (type 3 code 4: fragmentation needed, next-hop MTU 1400), carrying the
     * whole IPv4 packet of {@code carried} (an Ethernet frame), as a Linux router does for a short packet.
     */
    static byte[] icmpError(int router, int to, byte[] carried) {
        int n = carried.length - 14;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(14 + 20 + 8 + n);
        b.putShort((short) (UPLINK_MAC >>> 32)).putInt((int) UPLINK_MAC).putShort((short) (GATEWAY_MAC >>> 32)).putInt((int) GATEWAY_MAC)
                .putShort((short) 0x0800);
        Frames.ipv4(b, 20 + 8 + n, 1, router, to);
        b.put((byte) 3).put((byte) 4).putShort((short) 0).putShort((short) 0).putShort((short) 1400);
        b.put(carried, 14, n);
        byte[] f = b.array();
        int sum = Checksums.sum(f, 34, f.length, 0);
        f[36] = (byte) (~sum >>> 8);
        f[37] = (byte) ~sum;
        return f;
    }

    /** The packet an ICMP error carries, as an Ethernet frame of its own. */
    static byte[] carried(byte[] error) {
        byte[] f = new byte[error.length - 28];
        System.arraycopy(error, 42, f, 14, error.length - 42);
        return f;
    }

    @Test
    void anIcmpErrorAboutANatGatewaysTranslationReachesTheVmInItsOwnTerms() {
        int a = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40000, 443), DB2);
        byte[] out = batch.frame(a);
        int port = u16(out, 34);

        int r = run(icmpError(ip("198.51.100.1"), EGRESS, out), PacketBatch.UPLINK);
        assertThat(batch.verdict[r]).as("to db-2, whose packet it is about").isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[r]).isEqualTo(DB2);
        byte[] in = batch.frame(r);
        assertThat(u32(in, 26)).as("from the router").isEqualTo(ip("198.51.100.1"));
        assertThat(u32(in, 30)).isEqualTo(ip("10.1.2.5"));
        assertThat(in[34] & 0xff).isEqualTo(3);
        assertThat(u16(in, 40)).as("the next-hop MTU").isEqualTo(1400);
        assertThat(Checksums.valid(in)).as("IPv4 and ICMP checksums").isTrue();
        byte[] c = carried(in);
        assertThat(u32(c, 26)).as("the carried packet's source: db-2 again").isEqualTo(ip("10.1.2.5"));
        assertThat(u16(c, 34)).isEqualTo(40000);
        assertThat(u32(c, 30)).isEqualTo(INTERNET);
        assertThat(Checksums.valid(c)).as("the carried packet's IPv4 and TCP checksums, as db-2 sent them").isTrue();

        run(icmpError(ip("198.51.100.1"), EGRESS, tcp(GATEWAY_MAC, UPLINK_MAC, EGRESS, INTERNET, port + 100, 443)), PacketBatch.UPLINK);
        run(icmpError(ip("198.51.100.1"), EGRESS, tcp(GATEWAY_MAC, UPLINK_MAC, EGRESS, ip("198.51.100.9"), port, 443)), PacketBatch.UPLINK);
        run(icmpError(ip("198.51.100.1"), EGRESS, tcp(GATEWAY_MAC, UPLINK_MAC, WEB1_PUBLIC, INTERNET, port, 443)), PacketBatch.UPLINK);
        assertThat(pipeline.counters().drops(DropReason.NAT_NO_SESSION))
                .as("errors about a port, a peer or a source no translation holds are dropped").isEqualTo(3);
    }

    @Test
    void anIcmpErrorToAPortsPublicAddressReachesThePortInItsOwnTerms() {
        int a = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), INTERNET, 40000, 443), WEB1);
        byte[] out = batch.frame(a);
        int r = run(icmpError(ip("198.51.100.1"), WEB1_PUBLIC, out), PacketBatch.UPLINK);
        assertThat(batch.verdict[r]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[r]).isEqualTo(WEB1);
        byte[] in = batch.frame(r);
        assertThat(u32(in, 30)).isEqualTo(ip("10.1.1.4"));
        assertThat(Checksums.valid(in)).isTrue();
        byte[] c = carried(in);
        assertThat(u32(c, 26)).isEqualTo(ip("10.1.1.4"));
        assertThat(u16(c, 34)).isEqualTo(40000);
        assertThat(Checksums.valid(c)).isTrue();
    }

    /** An ICMP port unreachable from a VM ({@code from}, MAC {@code mac}) to {@code to}, carrying the whole IPv4 packet of {@code carried}. */
    static byte[] icmpErrorFrom(long mac, int from, int to, byte[] carried) {
        byte[] f = icmpError(from, to, carried);
        java.nio.ByteBuffer.wrap(f).putShort(0, (short) (ForwardingTables.ROUTER_MAC >>> 32)).putInt(2, (int) ForwardingTables.ROUTER_MAC)
                .putShort(6, (short) (mac >>> 32)).putInt(8, (int) mac);
        return f;
    }

    @Test
    void anIcmpErrorAVmSendsAboutAPacketThatCameInTranslatedLeavesInPublicTerms() {
        int a = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40000, 443), DB2);
        int port = u16(batch.frame(a), 34);
        int r = run(tcp(GATEWAY_MAC, UPLINK_MAC, INTERNET, EGRESS, 443, port), PacketBatch.UPLINK);
        byte[] reply = batch.frame(r); // as db-2 got it: to 10.1.2.5:40000

        int e = run(icmpErrorFrom(DB2_MAC, ip("10.1.2.5"), INTERNET, reply), DB2);
        assertThat(batch.verdict[e]).as("out through NAT gateway egress").isEqualTo(PacketBatch.TO_UPLINK);
        byte[] out = batch.frame(e);
        assertThat(u32(out, 26)).isEqualTo(EGRESS);
        assertThat(Checksums.valid(out)).isTrue();
        byte[] c = carried(out);
        assertThat(u32(c, 30)).as("the carried reply as the internet sent it").isEqualTo(EGRESS);
        assertThat(u16(c, 36)).isEqualTo(port);
        assertThat(Checksums.valid(c)).isTrue();

        int other = run(icmpErrorFrom(DB2_MAC, ip("10.1.2.5"), INTERNET, tcp(GATEWAY_MAC, UPLINK_MAC, INTERNET, ip("10.1.2.5"), 443, 40001)), DB2);
        assertThat(batch.verdict[other]).as("about a flow no translation holds: nowhere to go").isEqualTo(PacketBatch.DROP);

        int w = run(icmpErrorFrom(WEB1_MAC, ip("10.1.1.4"), INTERNET, tcp(GATEWAY_MAC, WEB1_MAC, INTERNET, ip("10.1.1.4"), 5000, 80)), WEB1);
        assertThat(batch.verdict[w]).isEqualTo(PacketBatch.TO_UPLINK);
        byte[] pub = batch.frame(w);
        assertThat(u32(pub, 26)).isEqualTo(WEB1_PUBLIC);
        byte[] cw = carried(pub);
        assertThat(u32(cw, 30)).as("the carried packet to web-1's public address, its port unchanged").isEqualTo(WEB1_PUBLIC);
        assertThat(u16(cw, 36)).isEqualTo(80);
        assertThat(Checksums.valid(pub)).isTrue();
        assertThat(Checksums.valid(cw)).isTrue();
    }

    @Test
    void aNatGatewayServedHereTranslatesPortsAndLetsOnlyRepliesBackIn() {
        int a = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40000, 443), DB2);
        assertThat(batch.verdict[a]).isEqualTo(PacketBatch.TO_UPLINK);
        byte[] out = batch.frame(a);
        int port = u16(out, 34);
        assertThat(u32(out, 26)).isEqualTo(EGRESS);
        assertThat(port).isGreaterThanOrEqualTo(1024);
        assertThat(Checksums.valid(out)).isTrue();
        int b = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40001, 443), DB2);
        assertThat(u16(batch.frame(b), 34)).isNotEqualTo(port);

        int r = run(tcp(GATEWAY_MAC, UPLINK_MAC, INTERNET, EGRESS, 443, port), PacketBatch.UPLINK);
        assertThat(batch.verdict[r]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[r]).isEqualTo(DB2);
        byte[] in = batch.frame(r);
        assertThat(u32(in, 30)).isEqualTo(ip("10.1.2.5"));
        assertThat(u16(in, 36)).isEqualTo(40000);
        assertThat(Checksums.valid(in)).isTrue();

        run(tcp(GATEWAY_MAC, UPLINK_MAC, INTERNET, EGRESS, 443, port + 100), PacketBatch.UPLINK);
        run(tcp(GATEWAY_MAC, UPLINK_MAC, ip("198.51.100.8"), EGRESS, 443, port), PacketBatch.UPLINK); // right port, wrong sender
        assertThat(pipeline.counters().drops(DropReason.NAT_NO_SESSION)).isEqualTo(2);
    }

    @Test
    void aPortWithNeitherAPublicAddressNorANatGatewayHasNoWayOut() {
        int i = run(tcp(APP1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), INTERNET, 40000, 443), APP1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.NO_EGRESS)).isEqualTo(1);
    }

    @Test
    void aClosedConnectionsTranslationGivesItsPortBackSoonerThanTheIdleTimeout() {
        NatSessions sessions = pipeline.natSessions();
        run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40000, 443), DB2);
        run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40001, 443), DB2);
        run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40002, 443), DB2);
        int reset = sessions.find(5001, 6, ip("10.1.2.5"), 40000, INTERNET, 443);
        int finished = sessions.find(5001, 6, ip("10.1.2.5"), 40001, INTERNET, 443);
        int open = sessions.find(5001, 6, ip("10.1.2.5"), 40002, INTERNET, 443);
        assertThat(reset).isNotNegative();
        // the server resets the first (a RST coming in through nat-in); the client closes the second (a FIN going out, cached)
        byte[] rst = Checksums.withL4(tcpWithFlags(GATEWAY_MAC, UPLINK_MAC, INTERNET, EGRESS, 443, sessions.publicPort(reset), 0x14));
        run(rst, PacketBatch.UPLINK);
        run(Checksums.withL4(tcpWithFlags(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40001, 443, 0x11)), DB2);
        long now = System.nanoTime();
        sessions.tick(now + 11_000_000_000L);
        assertThat(sessions.find(5001, 6, ip("10.1.2.5"), 40000, INTERNET, 443)).as("reset 11 s ago: its port is free").isEqualTo(-1);
        assertThat(sessions.find(5001, 6, ip("10.1.2.5"), 40001, INTERNET, 443)).as("a FIN: kept while it may still carry data").isEqualTo(finished);
        sessions.tick(now + 121_000_000_000L);
        assertThat(sessions.find(5001, 6, ip("10.1.2.5"), 40001, INTERNET, 443)).as("2 minutes after a FIN: free").isEqualTo(-1);
        assertThat(sessions.find(5001, 6, ip("10.1.2.5"), 40002, INTERNET, 443)).as("an open connection keeps its 4 minutes").isEqualTo(open);
    }

    /** A TCP segment as {@link #tcp} with the given flags. */
    static byte[] tcpWithFlags(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort, int flags) {
        byte[] frame = Probe.frame(srcMac, dstMac, src, dst, Probe.Protocol.tcp, srcPort, dstPort);
        frame[47] = (byte) flags;
        return frame;
    }

    @Test
    void toItsOwnPublicAddressAPacketTurnsBackInAndTheInternetCantForgeOne() {
        int i = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), WEB1_PUBLIC, 40000, 80), WEB1);
        assertThat(batch.verdict[i]).as("not onto the wire: back in").isEqualTo(PacketBatch.HAIRPIN);
        byte[] out = batch.frame(i);
        assertThat(mac(out, 0)).isEqualTo(UPLINK_MAC);
        assertThat(u32(out, 26)).as("translated on the way out").isEqualTo(WEB1_PUBLIC);

        batch.clear();
        int j = batch.add(out, PacketBatch.UPLINK);
        batch.underlaySource[j] = PacketBatch.TURNED_BACK; // as the worker turns it back
        pipeline.process(batch, tables);
        assertThat(batch.verdict[j]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[j]).isEqualTo(WEB1);
        assertThat(u32(batch.frame(j), 30)).as("to web-1's own address, from its public one").isEqualTo(ip("10.1.1.4"));
        assertThat(Checksums.valid(batch.frame(j))).isTrue();

        int forged = run(tcp(GATEWAY_MAC, UPLINK_MAC, WEB1_PUBLIC, WEB1_PUBLIC, 40001, 80), PacketBatch.UPLINK);
        assertThat(batch.verdict[forged]).as("the same packet from the wire is forged").isEqualTo(PacketBatch.DROP);
        assertThat(batch.reason[forged]).isEqualTo(DropReason.SPOOFED_SOURCE.ordinal());
    }

    @Test
    void theUplinkAnswersArpOnlyForAddressesThisHostOwns() {
        int i = run(arpRequest(GATEWAY_MAC, ip("203.0.113.1"), WEB1_PUBLIC), PacketBatch.UPLINK);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UPLINK);
        assertThat(mac(batch.frame(i), 22)).isEqualTo(UPLINK_MAC);
        assertThat(u32(batch.frame(i), 28)).isEqualTo(WEB1_PUBLIC);
        run(arpRequest(GATEWAY_MAC, ip("203.0.113.1"), EGRESS), PacketBatch.UPLINK);
        assertThat(batch.verdict[0]).isEqualTo(PacketBatch.TO_UPLINK);
        run(arpRequest(GATEWAY_MAC, ip("203.0.113.1"), ip("203.0.113.11")), PacketBatch.UPLINK);
        assertThat(batch.verdict[0]).isEqualTo(PacketBatch.DROP);
        run(tcp(GATEWAY_MAC, UPLINK_MAC, INTERNET, ip("203.0.113.11"), 443, 40000), PacketBatch.UPLINK);
        assertThat(pipeline.counters().drops(DropReason.NOT_OWNED)).isEqualTo(2);
    }

    @Test
    void packetsToAnUnresolvedNextHopWaitForItsAnswerWhileTheFirstOnesSlotAsksForIt() {
        dev.weft.fastpath.uplink.Neighbors neighbors = pipeline.neighbors();
        neighbors.clear();
        int gateway = ip("203.0.113.1");
        int i = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), INTERNET, 40000, 443), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UPLINK);
        byte[] arp = batch.frame(i);
        assertThat(u16(arp, 12)).isEqualTo(0x0806);
        assertThat(u32(arp, 28)).isEqualTo(WEB1_PUBLIC);
        assertThat(u32(arp, 38)).isEqualTo(gateway);
        for (int k = 1; k < dev.weft.fastpath.uplink.Neighbors.HOLD_FRAMES + 1; k++) { // 15 more wait; the 17th is dropped
            i = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), INTERNET, 40000 + k, 443), WEB1);
            assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        }
        assertThat(neighbors.holding(gateway)).isEqualTo(dev.weft.fastpath.uplink.Neighbors.HOLD_FRAMES);
        assertThat(pipeline.counters().drops(DropReason.NO_NEIGHBOR)).as("only the one that found the queue full").isEqualTo(1);

        Released release = new Released();
        java.util.List<byte[]> sent = release.sent;
        java.util.List<int[]> asked = release.asked;
        long now = System.nanoTime();
        neighbors.release(now, release);
        assertThat(sent).as("no answer yet").isEmpty();
        assertThat(asked).as("asked less than 200 ms ago").isEmpty();
        neighbors.release(now + dev.weft.fastpath.uplink.Neighbors.RETRY_NANOS, release);
        assertThat(asked).as("silent: asked again, from web-1's public address").hasSize(1);
        assertThat(asked.getFirst()).containsExactly(WEB1_PUBLIC, gateway);

        neighbors.learn(gateway, GATEWAY_MAC); // the answer
        neighbors.release(now, release);
        assertThat(sent).hasSize(dev.weft.fastpath.uplink.Neighbors.HOLD_FRAMES);
        for (int k = 0; k < sent.size(); k++) { // in the order they came, each translated, addressed and summed
            byte[] frame = sent.get(k);
            assertThat(mac(frame, 0)).isEqualTo(GATEWAY_MAC);
            assertThat(mac(frame, 6)).isEqualTo(UPLINK_MAC);
            assertThat(u32(frame, 26)).isEqualTo(WEB1_PUBLIC);
            assertThat(u16(frame, 36)).isEqualTo(443);
            assertThat(Checksums.valid(frame)).isTrue();
        }
        assertThat(neighbors.holding(gateway)).isZero();
        assertThat(neighbors.heldCounts()).containsExactly(16, 16, 0);
    }

    /** What {@link dev.weft.fastpath.uplink.Neighbors#release} hands over: frames to send, and (sender, address) to ask for again. */
    static final class Released implements dev.weft.fastpath.uplink.Neighbors.Release {
        final java.util.List<byte[]> sent = new java.util.ArrayList<>();
        final java.util.List<int[]> asked = new java.util.ArrayList<>();

        @Override
        public void send(byte[] frame) {
            sent.add(frame);
        }

        @Override
        public void ask(int sender, int ip) {
            asked.add(new int[] {sender, ip});
        }
    }

    @Test
    void aVmSweepingTheUplinksSubnetHoldsAtMostATotalOfPacketsWaiting() {
        dev.weft.fastpath.uplink.Neighbors neighbors = pipeline.neighbors();
        neighbors.clear();
        int total = dev.weft.fastpath.uplink.Neighbors.HOLD_TOTAL;
        int hops = 100; // 203.0.113.30-129: on the uplink's subnet, none of them this host's
        for (int k = 0; k < hops * dev.weft.fastpath.uplink.Neighbors.HOLD_FRAMES; k++) {
            run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("203.0.113.30") + k % hops, 40000 + k, 443), WEB1);
        }
        assertThat(neighbors.heldCounts()[0]).isEqualTo(total);
        assertThat(pipeline.counters().drops(DropReason.NO_NEIGHBOR)).isEqualTo(hops * dev.weft.fastpath.uplink.Neighbors.HOLD_FRAMES - total);
    }

    @Test
    void packetsWhoseNextHopNeverAnswersAreDroppedAfterASecondAndCounted() {
        dev.weft.fastpath.uplink.Neighbors neighbors = pipeline.neighbors();
        neighbors.clear();
        run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), INTERNET, 40000, 443), WEB1);
        Released release = new Released();
        neighbors.release(System.nanoTime() + dev.weft.fastpath.uplink.Neighbors.HOLD_NANOS, release);
        neighbors.learn(ip("203.0.113.1"), GATEWAY_MAC); // too late
        neighbors.release(System.nanoTime(), release);
        assertThat(release.sent).isEmpty();
        assertThat(neighbors.heldCounts()).containsExactly(1, 0, 1);
        assertThat(neighbors.anyWaiting()).isFalse();
    }

    @Test
    void aNatGatewayOnAnotherHostIsReachedThroughTheUnderlayAndItsRepliesAreAccepted() {
        tables.close();
        tables = new ForwardingTables(snapshot(HOST_B), HOST_A);
        int i = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), INTERNET, 40000, 443), DB2);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(batch.outAddress[i]).isEqualTo(HOST_B);
        assertThat(tables.isPeer(5001, HOST_B)).isTrue();
        assertThat(tables.owner(EGRESS)).isEqualTo(ForwardingTables.NOT_OWNED); // served there, never answered here
    }
}

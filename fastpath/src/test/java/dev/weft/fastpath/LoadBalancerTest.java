package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.Balancer;
import dev.weft.fastpath.table.Egress;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.fastpath.trace.Probe;
import dev.weft.net.Ipv4;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A load balancer's frontend 10.1.1.100:80 (VNI 5001) over web-1 (a local port) and web-2 (on host-b): the
 * client's host translates to the backend and back, answers ARP for the frontend, and keeps it to its VNI.
 */
class LoadBalancerTest {

    static final int FRONTEND = ip("10.1.1.100");

    PacketBatch batch;
    TableSnapshot snapshot;
    ForwardingTables tables;
    Pipeline pipeline;

    @BeforeEach
    void setUp() {
        TableSnapshot plain = Frames.snapshot(1);
        Balancer rule = new Balancer("tenant-a/web-lb/http", 5001, new Ipv4(FRONTEND), 6, 80, 8080, false, 240,
                List.of(new Balancer.Backend("tenant-a/web-1", Ipv4.parse("10.1.1.4")), new Balancer.Backend("tenant-a/web-2", Ipv4.parse("10.1.1.5"))));
        snapshot = new TableSnapshot(1, plain.ports(), plain.mappings(), plain.networks(), Egress.NONE, List.of(rule));
        tables = new ForwardingTables(snapshot, HOST_A);
        batch = new PacketBatch();
        pipeline = new Pipeline(4096);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    /** The tables again, with port {@code port} filtered inbound by {@code rules} (in order) and allowing everything out. */
    private void filterInbound(int port, dev.weft.fastpath.security.RuleTable.Rule... rules) {
        java.util.List<dev.weft.fastpath.table.PortEntry> ports = new java.util.ArrayList<>(snapshot.ports());
        dev.weft.fastpath.table.PortEntry p = ports.get(port);
        var inbound = new dev.weft.fastpath.security.RuleTable(java.util.List.of(rules));
        var allowOut = new dev.weft.fastpath.security.RuleTable(java.util.List.of(SecurityTest.rule("allow-all", true, 0, SecurityTest.ALL_PORTS)));
        ports.set(port, new dev.weft.fastpath.table.PortEntry(p.name(), p.vni(), p.mac(), p.ip(), p.subnet(), p.gateway(),
                new dev.weft.fastpath.security.PortSecurity(java.util.List.of(inbound), java.util.List.of(allowOut))));
        tables.close();
        tables = new ForwardingTables(new TableSnapshot(2, ports, snapshot.mappings(), snapshot.networks(), Egress.NONE, snapshot.balancers()), HOST_A);
    }

    private int run(byte[] frame, int inPort) {
        batch.clear();
        int i = batch.add(frame, inPort);
        batch.underlaySource[i] = HOST_B;
        pipeline.process(batch, tables);
        return i;
    }

    private static byte[] tcp(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort) {
        return Checksums.withL4(Probe.frame(srcMac, dstMac, src, dst, Probe.Protocol.tcp, srcPort, dstPort));
    }

    @Test
    void connectionsAreTranslatedToTheirBackendAndTheRepliesBackToTheFrontend() {
        boolean local = false;
        boolean remote = false;
        for (int port = 40000; port < 40040; port++) {
            int i = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, port, 80), DB2);
            byte[] out = batch.frame(i);
            assertThat(Checksums.valid(batch.verdict[i] == PacketBatch.TO_PORT ? out : java.util.Arrays.copyOfRange(out, 8, out.length))).isTrue();
            if (batch.verdict[i] == PacketBatch.TO_PORT) {
                local = true;
                assertThat(batch.outPort[i]).isEqualTo(WEB1);
                assertThat(u32(out, 30)).isEqualTo(ip("10.1.1.4"));
                assertThat(u16(out, 36)).isEqualTo(8080);
                assertThat(mac(out, 0)).isEqualTo(WEB1_MAC);
                // web-1's reply goes back to db-2 from the frontend
                int r = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 8080, port), WEB1);
                assertThat(batch.verdict[r]).isEqualTo(PacketBatch.TO_PORT);
                assertThat(u32(batch.frame(r), 26)).isEqualTo(FRONTEND);
                assertThat(u16(batch.frame(r), 34)).isEqualTo(80);
                assertThat(Checksums.valid(batch.frame(r))).isTrue();
            } else {
                remote = true;
                assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
                assertThat(batch.outAddress[i]).isEqualTo(HOST_B);
                // web-2's reply arrives over VXLAN and reaches db-2 from the frontend
                int r = run(vxlan(5001, tcp(WEB2_MAC, DB2_MAC, ip("10.1.1.5"), ip("10.1.2.5"), 8080, port)), PacketBatch.UNDERLAY);
                assertThat(batch.verdict[r]).isEqualTo(PacketBatch.TO_PORT);
                assertThat(batch.outPort[r]).isEqualTo(DB2);
                assertThat(u32(batch.frame(r), 26)).isEqualTo(FRONTEND);
                assertThat(Checksums.valid(batch.frame(r))).isTrue();
            }
        }
        assertThat(local && remote).as("40 connections use both backends").isTrue();
    }

    @Test
    void anIcmpErrorABackendSendsAboutABalancedConnectionReachesTheClientInTheFrontendsTerms() {
        boolean local = false;
        boolean remote = false;
        for (int port = 40100; port < 40140 && !(local && remote); port++) {
            int i = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, port, 80), DB2);
            boolean here = batch.verdict[i] == PacketBatch.TO_PORT;
            byte[] got = here ? batch.frame(i) : java.util.Arrays.copyOfRange(batch.frame(i), 8, batch.frame(i).length); // as the backend got it
            int backend = u32(got, 30);
            // the backend answers the SYN with an ICMP error about it (fragmentation needed), from its own address
            byte[] error = NatTest.icmpErrorFrom(here ? WEB1_MAC : WEB2_MAC, backend, ip("10.1.2.5"), got);
            int e = here ? run(error, WEB1) : run(vxlan(5001, error), PacketBatch.UNDERLAY);
            local |= here;
            remote |= !here;
            assertThat(batch.verdict[e]).as("to the client").isEqualTo(PacketBatch.TO_PORT);
            assertThat(batch.outPort[e]).isEqualTo(DB2);
            byte[] out = batch.frame(e);
            assertThat(u32(out, 26)).as("from the frontend").isEqualTo(FRONTEND);
            byte[] carried = NatTest.carried(out);
            assertThat(u32(carried, 30)).as("about the packet the client sent: to the frontend").isEqualTo(FRONTEND);
            assertThat(u16(carried, 36)).isEqualTo(80);
            assertThat(u16(carried, 34)).isEqualTo(port);
            assertThat(Checksums.valid(out)).isTrue();
        }
        assertThat(local && remote).as("both a local and a remote backend's errors").isTrue();

        // an error from elsewhere about a balanced connection is not translated into the frontend's name
        int i = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 40200, 80), DB2);
        if (batch.verdict[i] == PacketBatch.TO_PORT) {
            byte[] got = batch.frame(i);
            int e = run(NatTest.icmpErrorFrom(WEB1_MAC, ip("10.1.1.4") + 1, ip("10.1.2.5"), got), WEB1);
            assertThat(batch.verdict[e] == PacketBatch.TO_PORT && u32(batch.frame(e), 26) == FRONTEND).isFalse();
        }
    }

    @Test
    void aClientsIcmpErrorAboutAReplyFromTheFrontendReachesTheBackendInItsOwnTerms() {
        // web-1 lets in only TCP 8080: the error passes as related to the balanced connection, by the backend's address
        filterInbound(WEB1, SecurityTest.rule("allow-8080", true, 6, new int[] {8080, 8080}), SecurityTest.rule("deny-all", false, 0, SecurityTest.ALL_PORTS));
        for (int port = 40400; port < 40440; port++) {
            int c = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, port, 80), DB2);
            if (batch.verdict[c] != PacketBatch.TO_PORT) {
                continue; // to web-2 on host-b
            }
            int r = run(tcp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 8080, port), WEB1);
            byte[] reply = batch.frame(r); // as db-2 got it: from the frontend 10.1.1.100:80
            assertThat(u32(reply, 26)).isEqualTo(FRONTEND);
            int e = run(NatTest.icmpErrorFrom(DB2_MAC, ip("10.1.2.5"), FRONTEND, reply), DB2);
            assertThat(batch.verdict[e]).as("to the backend").isEqualTo(PacketBatch.TO_PORT);
            assertThat(batch.outPort[e]).isEqualTo(WEB1);
            byte[] out = batch.frame(e);
            assertThat(u32(out, 30)).as("addressed to the backend").isEqualTo(ip("10.1.1.4"));
            byte[] carried = NatTest.carried(out);
            assertThat(u32(carried, 26)).as("about the reply as web-1 sent it").isEqualTo(ip("10.1.1.4"));
            assertThat(u16(carried, 34)).isEqualTo(8080);
            assertThat(Checksums.valid(out)).isTrue();
            return;
        }
        throw new AssertionError("no connection went to the local backend");
    }

    @Test
    void aBackendsIcmpErrorPassesAClientSecurityGroupThatLetsNothingInAsRelatedToItsConnection() {
        // the error is related to db-2's flow to the frontend (its outbound entry names the frontend, not the backend)
        filterInbound(DB2, SecurityTest.rule("deny-all", false, 0, SecurityTest.ALL_PORTS));
        for (int port = 40300; port < 40340; port++) {
            int c = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, port, 80), DB2);
            if (batch.verdict[c] != PacketBatch.TO_PORT) {
                continue;
            }
            int e = run(NatTest.icmpErrorFrom(WEB1_MAC, ip("10.1.1.4"), ip("10.1.2.5"), batch.frame(c)), WEB1);
            assertThat(batch.verdict[e]).as("an error about db-2's own connection, let in").isEqualTo(PacketBatch.TO_PORT);
            assertThat(u32(batch.frame(e), 26)).isEqualTo(FRONTEND);
            return;
        }
        throw new AssertionError("no connection went to the local backend");
    }

    @Test
    void aResetConnectionLetsGoOfItsBackendSoonerThanItsIdleTimeout() {
        dev.weft.fastpath.lb.LbSessions balanced = new dev.weft.fastpath.lb.LbSessions(1024);
        pipeline = new Pipeline(4096, new dev.weft.fastpath.security.Conntrack(1 << 10), new dev.weft.fastpath.uplink.NatSessions(16),
                new dev.weft.fastpath.uplink.Neighbors(), balanced, new dev.weft.fastpath.lb.ProbeTable());
        run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 42000, 80), DB2);
        run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 42001, 80), DB2);
        int open = balanced.find(5001, 6, ip("10.1.2.5"), 42001, FRONTEND, 80);
        assertThat(balanced.find(5001, 6, ip("10.1.2.5"), 42000, FRONTEND, 80)).isNotNegative();
        run(Checksums.withL4(NatTest.tcpWithFlags(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 42000, 80, 0x14)), DB2);
        balanced.tick(System.nanoTime() + 11_000_000_000L);
        assertThat(balanced.find(5001, 6, ip("10.1.2.5"), 42000, FRONTEND, 80)).as("reset 11 s ago: gone").isEqualTo(-1);
        assertThat(balanced.find(5001, 6, ip("10.1.2.5"), 42001, FRONTEND, 80)).as("open: kept for its 4 minutes").isEqualTo(open);
    }

    @Test
    void theFrontendIsAnsweredInItsOwnNetworkOnly() {
        int i = run(arpRequest(WEB1_MAC, ip("10.1.1.4"), FRONTEND), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(mac(batch.frame(i), 22)).isEqualTo(ForwardingTables.ROUTER_MAC);
        i = run(arpRequest(APP1_MAC, ip("10.1.1.4"), FRONTEND), APP1); // tenant-b, VNI 5002, the same addresses
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        i = run(tcp(APP1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), FRONTEND, 40000, 80), APP1);
        assertThat(batch.verdict[i]).as("tenant-b's packet to the address is not balanced into tenant-a").isEqualTo(PacketBatch.DROP);
    }

    @Test
    void aConnectionKeepsItsBackendWhenThePoolChanges() {
        int i = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 41000, 80), DB2);
        boolean toWeb1 = batch.verdict[i] == PacketBatch.TO_PORT;
        String keep = toWeb1 ? "tenant-a/web-1" : "tenant-a/web-2";
        TableSnapshot plain = Frames.snapshot(2);
        Balancer.Backend kept = toWeb1 ? new Balancer.Backend("tenant-a/web-1", Ipv4.parse("10.1.1.4")) : new Balancer.Backend("tenant-a/web-2", Ipv4.parse("10.1.1.5"));
        Balancer.Backend other = new Balancer.Backend("tenant-a/web-9", Ipv4.parse("10.1.1.9"));
        tables.close();
        tables = new ForwardingTables(new TableSnapshot(2, plain.ports(), plain.mappings(), plain.networks(), Egress.NONE,
                List.of(new Balancer("tenant-a/web-lb/http", 5001, new Ipv4(FRONTEND), 6, 80, 8080, false, 240, List.of(other, kept)))), HOST_A);
        i = run(tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 41000, 80), DB2);
        assertThat(batch.verdict[i]).as(keep + " keeps the connection under new tables").isEqualTo(toWeb1 ? PacketBatch.TO_PORT : PacketBatch.TO_UNDERLAY);
    }

    @Test
    void aFrontendWithNoHealthyBackendRefusesAClientWithARstOnItsVlan() {
        Balancer rule = new Balancer("tenant-a/web-lb/http", 5001, new Ipv4(FRONTEND), 6, 80, 8080, false, 240,
                List.of(new Balancer.Backend("tenant-a/web-1", Ipv4.parse("10.1.1.4"), false)));
        tables.close();
        tables = new ForwardingTables(new TableSnapshot(2, snapshot.ports(), snapshot.mappings(), snapshot.networks(), Egress.NONE, List.of(rule)), HOST_A);
        for (int vlan : new int[] {0, 100}) {
            byte[] syn = tcp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), FRONTEND, 40000, 80);
            int i = run(vlan == 0 ? syn : Frames.tagged(syn, vlan), DB2);
            assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
            assertThat(batch.outPort[i]).isEqualTo(DB2);
            byte[] rst = vlan == 0 ? batch.frame(i) : Frames.untagged(batch.frame(i));
            if (vlan != 0) {
                assertThat(java.util.Arrays.copyOfRange(batch.frame(i), 12, 16)).as("back on VLAN 100").containsExactly(0x81, 0x00, 0x00, 0x64);
            }
            assertThat(rst).hasSize(54);
            assertThat(mac(rst, 0)).isEqualTo(DB2_MAC);
            assertThat(u32(rst, 26)).isEqualTo(FRONTEND);
            assertThat(u32(rst, 30)).isEqualTo(ip("10.1.2.5"));
            assertThat(rst[47] & 0x04).as("RST").isEqualTo(0x04);
            assertThat(Checksums.valid(rst)).isTrue();
        }
    }

    @Test
    void aPublicFrontendWithNoHealthyBackendRefusesTheInternetWithARst() {
        TableSnapshot plain = Frames.snapshot(1);
        TableSnapshot withUplink = NatTest.snapshot(HOST_A);
        int vip = ip("203.0.113.40");
        Balancer rule = new Balancer("tenant-a/pub-lb/http", 5001, new Ipv4(vip), 6, 80, 8080, false, 240,
                List.of(new Balancer.Backend("tenant-a/web-1", Ipv4.parse("10.1.1.4"), false)), null, HOST_A, false);
        tables.close();
        tables = new ForwardingTables(new TableSnapshot(1, plain.ports(), plain.mappings(), plain.networks(), withUplink.egress(), List.of(rule)), HOST_A);
        pipeline.neighbors().ownMac(NatTest.UPLINK_MAC);
        pipeline.neighbors().learn(ip("203.0.113.1"), NatTest.GATEWAY_MAC);
        int i = run(tcp(NatTest.GATEWAY_MAC, NatTest.UPLINK_MAC, NatTest.INTERNET, vip, 40000, 80), PacketBatch.UPLINK);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UPLINK);
        byte[] rst = batch.frame(i);
        assertThat(mac(rst, 0)).isEqualTo(NatTest.GATEWAY_MAC);
        assertThat(u32(rst, 26)).isEqualTo(vip);
        assertThat(u32(rst, 30)).isEqualTo(NatTest.INTERNET);
        assertThat(u16(rst, 34)).isEqualTo(80);
        assertThat(u16(rst, 36)).isEqualTo(40000);
        assertThat(rst[47] & 0x04).as("RST").isEqualTo(0x04);
        assertThat(Checksums.valid(rst)).isTrue();
        assertThat(pipeline.counters().drops(dev.weft.fastpath.packet.DropReason.NO_HEALTHY_BACKEND)).isEqualTo(1);
    }
}

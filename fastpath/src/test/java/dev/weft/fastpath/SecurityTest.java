package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.security.PortSecurity;
import dev.weft.fastpath.security.RuleTable;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4Prefix;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Security layers on a port: the first matching rule decides new flows, replies of allowed flows pass, rule changes apply to established flows. */
class SecurityTest {

    static final int[] ANY = {0, 0};
    static final int[] ALL_PORTS = {0, 65535};

    static int[] prefix(String cidr) {
        Ipv4Prefix p = Ipv4Prefix.parse(cidr);
        return new int[] {p.networkAddress().value(), p.mask()};
    }

    static RuleTable.Rule rule(String name, boolean allow, int protocol, int[] dstPorts) {
        return new RuleTable.Rule(name, allow, protocol, List.of(ANY), List.of(ANY), List.of(ALL_PORTS), List.of(dstPorts), false);
    }

    PacketBatch batch = new PacketBatch();
    Pipeline pipeline = new Pipeline(4096);
    ForwardingTables tables;

    @AfterEach
    void tearDown() {
        batch.close();
    }

    /** host-a's tables, with web-1 filtered by the given layers. */
    static ForwardingTables tables(long generation, List<RuleTable> inbound, List<RuleTable> outbound) {
        TableSnapshot plain = Frames.snapshot(generation);
        List<PortEntry> ports = new ArrayList<>(plain.ports());
        PortEntry web1 = ports.get(WEB1);
        ports.set(WEB1, new PortEntry(web1.name(), web1.vni(), web1.mac(), web1.ip(), web1.subnet(), web1.gateway(),
                new PortSecurity(inbound, outbound)));
        return new ForwardingTables(new TableSnapshot(generation, ports, plain.mappings(), plain.networks()), HOST_A, HOST_A_MAC, NEXT_HOP_MAC);
    }

    static byte[] tcp(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort) {
        ByteBuffer b = ByteBuffer.allocate(54);
        Frames.mac(b, dstMac);
        Frames.mac(b, srcMac);
        b.putShort((short) 0x0800);
        Frames.ipv4(b, 40, 6, src, dst);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02).putShort((short) 1000)
                .putShort((short) 0).putShort((short) 0);
        return b.array();
    }

    private int run(byte[] frame, int port) {
        batch.clear();
        int i = batch.add(frame, port);
        pipeline.process(batch, tables);
        return batch.verdict[i];
    }

    private int fromWeb2(int dstPort) {
        return run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 40000, dstPort)), PacketBatch.UNDERLAY);
    }

    @Test
    void onlyAllowedNewFlowsComeInAndTheirRepliesGoOut() {
        RuleTable inbound = new RuleTable(List.of(rule("allow-http", true, 6, new int[] {80, 80}), rule("deny-rest", false, 0, ALL_PORTS)));
        RuleTable outbound = new RuleTable(List.of(rule("deny-all-out", false, 0, ALL_PORTS)));
        tables = tables(1, List.of(inbound), List.of(outbound));
        assertThat(fromWeb2(80)).isEqualTo(PacketBatch.TO_PORT);
        assertThat(fromWeb2(22)).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.SECURITY_DENIED)).isEqualTo(1);
        // web-1 answers the allowed flow although its outbound layer denies everything new
        assertThat(run(tcp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 40000), WEB1)).isEqualTo(PacketBatch.TO_UNDERLAY);
        // but can't open a flow of its own
        assertThat(run(tcp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 50000, 443), WEB1)).isEqualTo(PacketBatch.DROP);
        assertThat(inbound.hits.get(0)).isEqualTo(1);
        assertThat(inbound.hits.get(1)).isEqualTo(1);
    }

    @Test
    void aRuleChangeCutsEstablishedFlowsItNowDenies() {
        RuleTable allowHttp = new RuleTable(List.of(rule("allow-http", true, 6, new int[] {80, 80}), rule("deny-rest", false, 0, ALL_PORTS)));
        RuleTable openOut = new RuleTable(List.of(rule("allow-out", true, 0, ALL_PORTS)));
        tables = tables(1, List.of(allowHttp), List.of(openOut));
        assertThat(fromWeb2(80)).isEqualTo(PacketBatch.TO_PORT);
        assertThat(fromWeb2(80)).isEqualTo(PacketBatch.TO_PORT); // cached
        assertThat(run(tcp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 40000), WEB1)).isEqualTo(PacketBatch.TO_UNDERLAY);

        RuleTable denyAll = new RuleTable(List.of(rule("deny-all", false, 0, ALL_PORTS)));
        tables = tables(2, List.of(denyAll), List.of(openOut));
        assertThat(fromWeb2(80)).as("the established flow, checked again under the new rules").isEqualTo(PacketBatch.DROP);
        assertThat(fromWeb2(80)).as("and forgotten").isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.conntrack().entries).isZero();
    }

    static byte[] tcpFlags(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort, int flags) {
        byte[] frame = tcp(srcMac, dstMac, src, dst, srcPort, dstPort);
        frame[47] = (byte) flags;
        return frame;
    }

    @Test
    void idleFlowsExpireAndAClosedTcpConnectionSoonerEvenWhileCached() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        pipeline = new Pipeline(4096, new dev.weft.fastpath.security.Conntrack(1 << 10, now::get, java.time.Duration.ofHours(1),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(30)));
        RuleTable inbound = new RuleTable(List.of(rule("allow-http", true, 6, new int[] {80, 80}), rule("deny-rest", false, 0, ALL_PORTS)));
        RuleTable outbound = new RuleTable(List.of(rule("allow-dns", true, 17, new int[] {53, 53}), rule("deny-rest", false, 0, ALL_PORTS)));
        tables = tables(1, List.of(inbound), List.of(outbound));

        // UDP: web-1 asks web-2's DNS; the answer comes back while the flow is fresh, not after 60 s of silence
        assertThat(run(Frames.udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 53, 10), WEB1)).isEqualTo(PacketBatch.TO_UNDERLAY);
        byte[] answer = vxlan(5001, Frames.udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 10));
        assertThat(run(answer, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(59).toNanos());
        assertThat(run(answer, PacketBatch.UNDERLAY)).as("refreshed by the cached answer").isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(61).toNanos());
        assertThat(run(answer, PacketBatch.UNDERLAY)).as("idle for 61 s: expired").isEqualTo(PacketBatch.DROP);

        // TCP: after a FIN the entry lives 10 s, not an hour
        byte[] syn = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80, 0x02));
        byte[] fin = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80, 0x11));
        byte[] reply = tcpFlags(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 41000, 0x10);
        assertThat(run(syn, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(reply, WEB1)).isEqualTo(PacketBatch.TO_UNDERLAY); // the reply establishes the connection
        now.addAndGet(java.time.Duration.ofMinutes(30).toNanos());
        assertThat(run(reply, WEB1)).as("an open connection idle for 30 minutes is kept").isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(run(fin, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(11).toNanos());
        assertThat(run(reply, WEB1)).as("closed 11 s ago: the reply is a new flow, and outbound denies it").isEqualTo(PacketBatch.DROP);
    }

    @Test
    void aHalfOpenConnectionExpiresAfterThirtySeconds() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        pipeline = new Pipeline(4096, new dev.weft.fastpath.security.Conntrack(1 << 10, now::get, java.time.Duration.ofHours(1),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(30)));
        RuleTable inbound = new RuleTable(List.of(rule("allow-http", true, 6, new int[] {80, 80}), rule("deny-rest", false, 0, ALL_PORTS)));
        RuleTable outbound = new RuleTable(List.of(rule("deny-all-out", false, 0, ALL_PORTS)));
        tables = tables(1, List.of(inbound), List.of(outbound));
        byte[] syn = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 42000, 80, 0x02));
        byte[] synAck = tcpFlags(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 42000, 0x12);
        assertThat(run(syn, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(31).toNanos());
        assertThat(run(synAck, WEB1)).as("no reply within 30 s: the half-open entry is gone").isEqualTo(PacketBatch.DROP);
    }

    @Test
    void aPortsShareOfConnectionTrackingIsBoundedAndLoggedFlowsHaveABeginAndAnEnd() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        pipeline = new Pipeline(4096, new dev.weft.fastpath.security.Conntrack(1 << 10, now::get, java.time.Duration.ofHours(1),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(30), 2));
        List<String> records = new ArrayList<>();
        pipeline.audit((begin, port, direction, group, rule, allowed, protocol, src, srcPort, dst, dstPort) ->
                records.add((begin ? "begin " : "end ") + port + " " + group + "/" + rule + " " + (allowed ? "Allow" : "Deny") + " " + dstPort));
        RuleTable.Rule logged = new RuleTable.Rule("allow-http", true, 6, List.of(ANY), List.of(ANY), List.of(ALL_PORTS),
                List.of(new int[] {80, 80}), true);
        tables = tables(1, List.of(new RuleTable("tenant-a/web-nsg", List.of(logged, rule("deny-rest", false, 0, ALL_PORTS)))),
                List.of(new RuleTable(List.of(rule("allow-out", true, 0, ALL_PORTS)))));

        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80)), PacketBatch.UNDERLAY))
                .isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41001, 80)), PacketBatch.UNDERLAY))
                .isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41002, 80)), PacketBatch.UNDERLAY))
                .as("a third flow for a port limited to two").isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.CONNTRACK_FULL)).isEqualTo(1);
        assertThat(pipeline.conntrack().entries(WEB1)).isEqualTo(2);

        now.addAndGet(java.time.Duration.ofHours(2).toNanos());
        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80)), PacketBatch.UNDERLAY))
                .as("idle past the timeout: ends, then begins again as a new flow").isEqualTo(PacketBatch.TO_PORT);
        assertThat(records).as("the flow dropped for lack of tracking room has no record").containsExactly(
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",
                "end tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80");
    }

    @Test
    void portsWithoutSecurityLayersAreNotFiltered() {
        tables = Frames.tables(1);
        assertThat(fromWeb2(22)).isEqualTo(PacketBatch.TO_PORT);
    }
}

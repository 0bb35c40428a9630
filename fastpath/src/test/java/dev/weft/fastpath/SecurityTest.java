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
        return new ForwardingTables(new TableSnapshot(generation, ports, plain.mappings(), plain.networks()), HOST_A);
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
        batch.underlaySource[i] = HOST_B; // underlay frames come from host B, which carries both VNIs
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

        // TCP: after the client's FIN the server may still answer (a half-close): 2 minutes idle, not an hour; after a RST, 10 s
        byte[] syn = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80, 0x02));
        byte[] fin = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80, 0x11));
        byte[] reply = tcpFlags(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 41000, 0x10);
        assertThat(run(syn, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(reply, WEB1)).isEqualTo(PacketBatch.TO_UNDERLAY); // the reply establishes the connection
        now.addAndGet(java.time.Duration.ofMinutes(30).toNanos());
        assertThat(run(reply, WEB1)).as("an open connection idle for 30 minutes is kept").isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(run(fin, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(61).toNanos());
        assertThat(run(reply, WEB1)).as("half-closed and idle for 61 s: the server's answer still passes").isEqualTo(PacketBatch.TO_UNDERLAY);
        now.addAndGet(java.time.Duration.ofSeconds(121).toNanos());
        assertThat(run(reply, WEB1)).as("idle for 2 minutes after a FIN: the reply is a new flow, and outbound denies it").isEqualTo(PacketBatch.DROP);

        byte[] syn2 = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41001, 80, 0x02));
        byte[] rst = vxlan(5001, tcpFlags(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41001, 80, 0x14));
        byte[] reply2 = tcpFlags(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 41001, 0x10);
        assertThat(run(syn2, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(reply2, WEB1)).isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(run(rst, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(11).toNanos());
        assertThat(run(reply2, WEB1)).as("reset 11 s ago: gone").isEqualTo(PacketBatch.DROP);
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
        now.addAndGet(java.time.Duration.ofSeconds(1).toNanos());
        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41001, 80)), PacketBatch.UNDERLAY))
                .isEqualTo(PacketBatch.TO_PORT);
        now.addAndGet(java.time.Duration.ofSeconds(1).toNanos());
        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41002, 80)), PacketBatch.UNDERLAY))
                .as("a third flow for a port limited to two: the least recently seen makes room").isEqualTo(PacketBatch.TO_PORT);
        assertThat(pipeline.counters().drops(DropReason.CONNTRACK_FULL)).isZero();
        assertThat(pipeline.conntrack().entries(WEB1)).isEqualTo(2);
        assertThat(pipeline.conntrack().evictions).isEqualTo(1);

        now.addAndGet(java.time.Duration.ofHours(2).toNanos());
        assertThat(run(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80)), PacketBatch.UNDERLAY))
                .as("idle past the timeout: ends, then begins again as a new flow").isEqualTo(PacketBatch.TO_PORT);
        assertThat(records).containsExactly(
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",
                "end tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",     // 41000, evicted
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",   // 41002
                "end tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80",     // expired (swept or evicted)
                "begin tenant-a/web-1 tenant-a/web-nsg/allow-http Allow 80");
    }

    @Test
    void fiftyThousandDistinctFlowsThroughOnePortAreAllAdmittedAsOldOnesExpireOrMakeRoom() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        dev.weft.fastpath.security.Conntrack conntrack = new dev.weft.fastpath.security.Conntrack(1 << 16, now::get,
                java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(30));
        pipeline = new Pipeline(4096, conntrack);
        tables = tables(1, List.of(new RuleTable(List.of(rule("allow-http", true, 6, new int[] {80, 80})))), List.of());
        int admitted = 0;
        for (int flow = 0; flow < 50_000; ) {
            batch.clear();
            for (int k = 0; k < PacketBatch.CAPACITY && flow < 50_000; k++, flow++) { // SYNs from 50,000 sources, never answered
                int source = ip("10.1.1.5") + (flow >>> 14);
                int i = batch.add(vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, source, ip("10.1.1.4"), 1024 + (flow & 0x3fff), 80)), PacketBatch.UNDERLAY);
                batch.underlaySource[i] = HOST_B;
            }
            pipeline.process(batch, tables);
            for (int i = 0; i < batch.count(); i++) {
                admitted += batch.verdict[i] == PacketBatch.TO_PORT ? 1 : 0;
            }
            now.addAndGet(java.time.Duration.ofMillis(150).toNanos()); // 196 batches over about 30 s
        }
        assertThat(admitted).isEqualTo(50_000);
        assertThat(pipeline.counters().drops(DropReason.CONNTRACK_FULL)).isZero();
        assertThat(conntrack.entries(WEB1)).isLessThanOrEqualTo(16_384);
        assertThat(conntrack.evictions + conntrack.expired).isGreaterThanOrEqualTo(50_000 - 16_384);
    }

    @Test
    void trackedFlowsFollowTheirPortWhenOtherPortsComeAndGoAndGoWithIt() {
        dev.weft.fastpath.table.Tables publisher = new dev.weft.fastpath.table.Tables();
        TableSnapshot plain = Frames.snapshot(1);
        PortEntry db2 = plain.ports().get(DB2);
        PortEntry web1 = plain.ports().get(WEB1);
        PortSecurity layers = new PortSecurity(List.of(new RuleTable(List.of(rule("allow-http", true, 6, new int[] {80, 80})))),
                List.of(new RuleTable(List.of(rule("deny-out", false, 0, ALL_PORTS)))));
        PortEntry secured = new PortEntry(web1.name(), web1.vni(), web1.mac(), web1.ip(), web1.subnet(), web1.gateway(), layers);
        java.util.function.Function<List<PortEntry>, ForwardingTables> publish = ports -> new ForwardingTables(
                publisher.publish(ports, plain.mappings(), plain.networks()), HOST_A);
        byte[] request = vxlan(5001, tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 41000, 80));
        byte[] reply = tcpFlags(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 80, 41000, 0x12);

        tables = publish.apply(List.of(db2, secured));                       // web-1 is port 1
        assertThat(run(request, PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(reply, 1)).as("the reply of a tracked flow passes a deny-all outbound").isEqualTo(PacketBatch.TO_UNDERLAY);

        tables = publish.apply(List.of(secured));                            // db-2 is gone: web-1 is port 0 now
        assertThat(run(reply, 0)).as("still tracked under web-1's stable id").isEqualTo(PacketBatch.TO_UNDERLAY);

        PortEntry replacement = new PortEntry("tenant-a/web-9", web1.vni(), web1.mac(), web1.ip(), web1.subnet(), web1.gateway(), layers);
        tables = publish.apply(List.of(replacement));                        // web-1 is gone; a new VM has its address and port index
        assertThat(run(reply, 0)).as("the new port inherits nothing").isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.conntrack().entries).as("web-1's flows went with it, with the first batch on the new tables").isZero();
    }

    /** {@code frame} as an IPv4 fragment: offset in 8-byte units, more fragments or not; the header checksum fixed. */
    static byte[] fragment(byte[] frame, int offset, boolean more) {
        byte[] f = frame.clone();
        int value = (more ? 0x2000 : 0) | offset;
        f[20] = (byte) (value >>> 8);
        f[21] = (byte) value;
        f[24] = 0;
        f[25] = 0;
        int sum = 0;
        for (int k = 14; k < 34; k += 2) {
            sum += u16(f, k);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        f[24] = (byte) (~sum >>> 8);
        f[25] = (byte) ~sum;
        return f;
    }

    @Test
    void fragmentsToAFilteredPortAreDroppedSoTheyCantSlipPastPortRules() {
        tables = tables(1, List.of(new RuleTable(List.of(rule("deny-ssh", false, 6, new int[] {22, 22}), rule("allow-rest", true, 0, ALL_PORTS)))),
                List.of(new RuleTable(List.of(rule("allow-out", true, 0, ALL_PORTS)))));
        byte[] ssh = tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 40000, 22);
        assertThat(run(vxlan(5001, ssh), PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.DROP);
        // a later fragment has no ports: classified as port 0 it would match allow-rest
        assertThat(run(vxlan(5001, fragment(ssh, 185, false)), PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.DROP);
        assertThat(run(vxlan(5001, fragment(ssh, 0, true)), PacketBatch.UNDERLAY)).as("a first fragment too").isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.FRAGMENT_FILTERED)).isEqualTo(2);
        byte[] http = tcp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 40001, 80);
        assertThat(run(vxlan(5001, http), PacketBatch.UNDERLAY)).as("whole packets still pass").isEqualTo(PacketBatch.TO_PORT);
        assertThat(run(vxlan(5001, fragment(http, 185, false)), PacketBatch.UNDERLAY)).as("a cached flow doesn't let fragments through")
                .isEqualTo(PacketBatch.DROP);

        tables = Frames.tables(2); // web-1 unfiltered: fragments are forwarded
        assertThat(run(vxlan(5001, fragment(ssh, 185, false)), PacketBatch.UNDERLAY)).isEqualTo(PacketBatch.TO_PORT);
    }

    @Test
    void portsWithoutSecurityLayersAreNotFiltered() {
        tables = Frames.tables(1);
        assertThat(fromWeb2(22)).isEqualTo(PacketBatch.TO_PORT);
    }
}

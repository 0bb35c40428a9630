package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.FlowHash;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Random frames (valid, truncated, bit-flipped) through the whole pipeline: it never throws and never crosses VNIs. */
class PipelineProperties {

    /** A frame and the port (or the underlay) it arrives on. */
    record Arrival(byte[] frame, int port) {
    }

    @Provide
    Arbitrary<Arrival> arrivals() {
        Arbitrary<Integer> port = Arbitraries.of(WEB1, DB2, APP1);
        Arbitrary<byte[]> valid = Combinators.combine(Arbitraries.of(WEB1_MAC, DB2_MAC, APP1_MAC, ForwardingTables.ROUTER_MAC, WEB2_MAC),
                Arbitraries.of(ip("10.1.1.4"), ip("10.1.1.5"), ip("10.1.2.5"), ip("10.1.2.4"), ip("10.1.1.1"), ip("10.9.9.9")),
                Arbitraries.integers().between(0, 65535), Arbitraries.integers().between(0, 200), Arbitraries.of(true, false))
                .as((dstMac, dst, srcPort, payload, udp) -> udp
                        ? Frames.udp(WEB1_MAC, dstMac, ip("10.1.1.4"), dst, srcPort, 53, payload)
                        : Frames.ping(APP1_MAC, dstMac, ip("10.1.1.4"), dst, srcPort));
        Arbitrary<byte[]> any = Arbitraries.oneOf(valid, Arbitraries.bytes().array(byte[].class).ofMaxSize(120),
                Arbitraries.of(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.1"))));
        Arbitrary<Arrival> fromPorts = Combinators.combine(mutated(any), Arbitraries.oneOf(port, Arbitraries.integers().between(-5, 9)))
                .as(Arrival::new);
        Arbitrary<Arrival> vxlan = mutated(Combinators.combine(Arbitraries.of(5001, 5002, 7777), valid).as(Frames::vxlan))
                .map(frame -> new Arrival(frame, PacketBatch.UNDERLAY));
        Arbitrary<Arrival> nvgre = mutated(Combinators.combine(Arbitraries.of(5001, 5002, 7777), valid).as((vsid, inner) -> Frames.nvgre(vsid, HOST_B, HOST_A, inner)))
                .map(frame -> new Arrival(frame, PacketBatch.UNDERLAY_GRE));
        return Arbitraries.oneOf(fromPorts, vxlan, nvgre);
    }

    private static Arbitrary<byte[]> mutated(Arbitrary<byte[]> frames) {
        return Combinators.combine(frames, Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 100)).as((frame, mode, seed, cut) -> mutate(frame, mode, seed, cut));
    }

    @Provide
    Arbitrary<List<Arrival>> batches() {
        return arrivals().list().ofMinSize(1).ofMaxSize(64);
    }

    private static byte[] mutate(byte[] frame, int mode, int seed, int cut) {
        byte[] copy = frame.clone();
        switch (mode) {
            case 1 -> {
                return java.util.Arrays.copyOf(copy, Math.min(copy.length, cut)); // truncated
            }
            case 2, 3 -> {
                if (copy.length > 0) {
                    copy[seed % copy.length] ^= (byte) (1 << (seed >>> 24 & 7)); // one bit flipped
                }
            }
            default -> {
                // unchanged
            }
        }
        return copy;
    }

    /** The VNI a frame belongs to: its port's, or the one in its VXLAN or GRE header. */
    private static int originVni(Arrival arrival, ForwardingTables t) {
        if (arrival.port() >= 0 && arrival.port() < t.portCount()) {
            return t.portVni[arrival.port()];
        }
        byte[] f = arrival.frame();
        if (arrival.port() == PacketBatch.UNDERLAY) {
            return f.length >= 8 ? u32(f, 4) >>> 8 : -1;
        }
        if (arrival.port() == PacketBatch.UNDERLAY_GRE) {
            int ihl = f.length > 0 ? (f[0] & 0x0f) * 4 : 0;
            return f.length >= ihl + 8 ? u32(f, ihl + 4) >>> 8 : -1;
        }
        return -1;
    }

    /** The arrivals through a fresh pipeline, underlay frames from host-b. */
    private static void run(PacketBatch batch, ForwardingTables tables, List<Arrival> arrivals) {
        for (Arrival a : arrivals) {
            int i = batch.add(a.frame(), a.port());
            if (i >= 0) {
                batch.underlaySource[i] = HOST_B;
            }
        }
        new Pipeline(1024).process(batch, tables);
    }

    /** Nothing reached a port of another VNI, nothing left on a VNI but its own (or, from {@code network}, its peer's {@code peer}). */
    private static void staysInItsNetwork(PacketBatch batch, ForwardingTables tables, List<Arrival> arrivals, int network, int peer) {
        for (int i = 0; i < batch.count(); i++) {
            int vni = originVni(arrivals.get(i), tables);
            if (batch.verdict[i] == PacketBatch.TO_PORT) {
                assertThat(tables.portVni[batch.outPort[i]]).as("frame %d delivered to a port of another VNI", i).isEqualTo(vni);
            } else if (batch.verdict[i] == PacketBatch.TO_UNDERLAY) {
                byte[] out = batch.frame(i);
                int carried = batch.encap[i] == ForwardingTables.NVGRE ? u32(out, 24) >>> 8 : u32(out, 4) >>> 8;
                assertThat(carried == vni || (network != 0 && vni == network && carried == peer))
                        .as("frame %d of VNI %d encapsulated with VNI %d", i, vni, carried).isTrue();
            }
        }
    }

    @Property(tries = 2000)
    void randomFramesNeverThrowAndNeverLeaveOnAnotherVni(@ForAll("batches") List<Arrival> arrivals) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1)) {
            run(batch, tables, arrivals);
            staysInItsNetwork(batch, tables, arrivals, 0, 0);
        }
    }

    @Provide
    Arbitrary<List<Arrival>> routed() {
        Arbitrary<byte[]> valid = Combinators.combine(Arbitraries.of(RouteTest.DB2_MAC, RouteTest.FW1_MAC, RouteTest.WEB1_MAC),
                Arbitraries.of(RouteTest.FW1_MAC, RouteTest.WEB1_MAC, ForwardingTables.ROUTER_MAC, RouteTest.FW2_MAC),
                Arbitraries.of(ip("10.1.2.5"), ip("10.1.3.4"), ip("10.8.0.1"), ip("10.3.1.4")),
                Arbitraries.of(ip("10.1.1.4"), ip("10.1.1.5"), ip("10.1.9.9"), ip("10.3.1.4"), ip("10.1.3.4"), ip("8.8.8.8")),
                Arbitraries.integers().between(0, 65535))
                .as((srcMac, dstMac, src, dst, port) -> Frames.udp(srcMac, dstMac, src, dst, port, 53, 20));
        Arbitrary<Arrival> fromPorts = Combinators.combine(mutated(valid), Arbitraries.of(RouteTest.DB2, RouteTest.FW1, RouteTest.WEB1))
                .as(Arrival::new);
        Arbitrary<Arrival> vxlan = mutated(Combinators.combine(Arbitraries.of(5001, 5002, 5003, 7777), valid).as(Frames::vxlan))
                .map(frame -> new Arrival(frame, PacketBatch.UNDERLAY));
        return Arbitraries.oneOf(fromPorts, vxlan).list().ofMinSize(1).ofMaxSize(64);
    }

    /**
     * Hostile frames through a route table and a virtual appliance (RouteTest's host: user routes to appliances here and on
     * another host, a blackhole, a peer): from the appliance with any source, from other ports, from the underlay to the
     * appliance's MAC on any VNI, truncated or bit-flipped. Nothing throws; nothing reaches a port of another VNI; nothing
     * leaves on a VNI but its own or, from blue, its peer's.
     */
    @Property(tries = 1000)
    void routeTablesAndAppliancesNeverCarryAFrameIntoAnotherNetwork(@ForAll("routed") List<Arrival> arrivals, @ForAll boolean allowForwarded) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = RouteTest.tables(allowForwarded)) {
            run(batch, tables, arrivals);
            staysInItsNetwork(batch, tables, arrivals, 5001, 5003);
        }
    }

    @Provide
    Arbitrary<List<Arrival>> answeredByTheRouter() {
        Arbitrary<byte[]> valid = Combinators.combine(Arbitraries.of(WEB1_MAC, ForwardingTables.ROUTER_MAC),
                Arbitraries.of(ip("10.1.1.1"), ip("10.1.2.1"), ip("10.1.2.5"), ip("10.1.1.5"), ip("10.9.9.9"), ip("224.0.0.5"), -1),
                Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 1400), Arbitraries.integers().between(0, 2))
                .as((dstMac, dst, ttl, payload, kind) -> dev.weft.fastpath.trace.Probe.ttl(Checksums.withL4(switch (kind) {
                    case 0 -> Frames.udp(WEB1_MAC, dstMac, ip("10.1.1.4"), dst, 40000, 33434, payload);
                    case 1 -> Frames.ping(WEB1_MAC, dstMac, ip("10.1.1.4"), dst, payload);
                    default -> dev.weft.fastpath.trace.Probe.frame(WEB1_MAC, dstMac, ip("10.1.1.4"), dst,
                            dev.weft.fastpath.trace.Probe.Protocol.tcp, 40000, 80);
                }), ttl));
        Arbitrary<byte[]> onVlans = valid.flatMap(f -> Arbitraries.oneOf(Arbitraries.just(f), // some sent on a VLAN (802.1Q)
                Arbitraries.integers().between(1, 4094).map(vlan -> Frames.tagged(f, vlan))));
        return Combinators.combine(mutated(onVlans), Arbitraries.of(WEB1, WEB1, DB2)).as(Arrival::new).list().ofMinSize(1).ofMaxSize(64);
    }

    /**
     * Frames the router answers itself (ICMP echo to a gateway, TTL 0 to 3 routed or not, long ones, multicast and
     * broadcast destinations, some on an 802.1Q VLAN, truncated or bit-flipped, from the right port or another): nothing throws, nothing leaves its
     * network, and every answer goes back to the port that sent the frame, to that port's own address (unless it forwards IP), from its network's
     * router, on the sender's VLAN if it had one, as a valid IPv4 packet (header and ICMP checksums) of at most 576 bytes.
     */
    @Property(tries = 1000)
    void theRoutersAnswersGoOnlyToTheSenderAndAreWellFormed(@ForAll("answeredByTheRouter") List<Arrival> arrivals) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1)) {
            run(batch, tables, arrivals);
            staysInItsNetwork(batch, tables, arrivals, 0, 0);
            for (int i = 0; i < batch.count(); i++) {
                byte[] raw = batch.frame(i);
                boolean tagged = raw.length >= 18 && u16(raw, 12) == 0x8100;
                byte[] out = tagged ? Frames.untagged(raw) : raw;
                boolean answer = batch.verdict[i] == PacketBatch.TO_PORT && out.length >= 35 && u16(out, 12) == 0x0800 && out[23] == 1
                        && (out[34] == 0 || out[34] == 11) && mac(out, 6) == ForwardingTables.ROUTER_MAC;
                if (answer) {
                    int port = arrivals.get(i).port();
                    byte[] sent = arrivals.get(i).frame();
                    boolean sentTagged = sent.length >= 18 && u16(sent, 12) == 0x8100;
                    assertThat(tagged).as("frame %d answered on the VLAN it came on, or untagged as it came", i).isEqualTo(sentTagged);
                    if (tagged) {
                        assertThat(u16(raw, 14)).as("frame %d: its tag", i).isEqualTo(u16(sent, 14));
                    }
                    assertThat(batch.outPort[i]).as("frame %d answered to its sender", i).isEqualTo(port);
                    if (!tables.portForwards[port]) {
                        assertThat(u32(out, 30)).as("frame %d: to the port's own address", i).isEqualTo(tables.portIp[port]);
                    }
                    assertThat(tables.isGateway(tables.portVni[port], u32(out, 26))).as("frame %d: from a gateway", i).isTrue();
                    assertThat(out.length).as("frame %d", i).isLessThanOrEqualTo(14 + 576);
                    assertThat(Checksums.valid(out)).as("frame %d: checksums of %s", i, java.util.HexFormat.of().formatHex(out)).isTrue();
                }
            }
        }
    }

    @Provide
    Arbitrary<List<byte[]>> fromTheInternet() {
        Arbitrary<byte[]> valid = Combinators.combine(Arbitraries.of(NatTest.UPLINK_MAC, 0xffff_ffff_ffffL, WEB1_MAC),
                Arbitraries.of(NatTest.WEB1_PUBLIC, NatTest.EGRESS, ip("203.0.113.11"), ip("10.1.1.4"), ip("10.1.2.5")),
                Arbitraries.integers().between(0, 65535), Arbitraries.integers().between(0, 200), Arbitraries.of(true, false))
                .as((dstMac, dst, port, payload, udp) -> udp
                        ? Frames.udp(NatTest.GATEWAY_MAC, dstMac, NatTest.INTERNET, dst, 443, port, payload)
                        : Frames.ping(NatTest.GATEWAY_MAC, dstMac, NatTest.INTERNET, dst, port));
        Arbitrary<byte[]> any = Arbitraries.oneOf(valid, Arbitraries.bytes().array(byte[].class).ofMaxSize(120),
                Arbitraries.of(arpRequest(NatTest.GATEWAY_MAC, ip("203.0.113.1"), NatTest.WEB1_PUBLIC),
                        arpRequest(NatTest.GATEWAY_MAC, ip("203.0.113.1"), ip("203.0.113.11"))));
        return mutated(any).list().ofMinSize(1).ofMaxSize(64);
    }

    /**
     * Hostile frames on the uplink (to the host's public addresses, to addresses it doesn't own, to tenant
     * addresses, truncated, bit-flipped, random): nothing throws, nothing reaches a port but the one whose public
     * address it was sent to, nothing is encapsulated (no translation exists for it), and only ARP replies for
     * owned addresses go back out.
     */
    @Property(tries = 1000)
    void framesFromTheInternetReachOnlyThePortWhosePublicAddressTheyWereSentTo(@ForAll("fromTheInternet") List<byte[]> frames) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = new ForwardingTables(NatTest.snapshot(HOST_A), HOST_A)) {
            for (byte[] frame : frames) {
                batch.add(frame, PacketBatch.UPLINK);
            }
            Pipeline pipeline = new Pipeline(1024);
            pipeline.neighbors().ownMac(NatTest.UPLINK_MAC);
            pipeline.process(batch, tables);
            for (int i = 0; i < batch.count(); i++) {
                byte[] sent = frames.get(i);
                if (batch.verdict[i] == PacketBatch.TO_PORT) {
                    assertThat(batch.outPort[i]).as("frame %d", i).isEqualTo(WEB1);
                    assertThat(u32(sent, 30)).as("frame %d was sent to web-1's public address", i).isEqualTo(NatTest.WEB1_PUBLIC);
                }
                assertThat(batch.verdict[i]).as("frame %d", i).isNotEqualTo(PacketBatch.TO_UNDERLAY).isNotEqualTo(PacketBatch.HAIRPIN);
                if (batch.verdict[i] == PacketBatch.TO_UPLINK) {
                    byte[] out = batch.frame(i);
                    assertThat(u16(out, 12)).as("only ARP goes back").isEqualTo(0x0806);
                    assertThat(u32(out, 28)).as("answered only for an owned address").isIn(NatTest.WEB1_PUBLIC, NatTest.EGRESS);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<Arrival>> toPublicAddresses() {
        Arbitrary<Integer> port = Arbitraries.of(WEB1, DB2, APP1);
        Arbitrary<byte[]> valid = Combinators.combine(port, Arbitraries.of(NatTest.WEB1_PUBLIC, NatTest.EGRESS, ip("203.0.113.11")),
                        Arbitraries.integers().between(1, 65535), Arbitraries.of(80, 443, 22), Arbitraries.of(true, false))
                .as((from, dst, srcPort, dstPort, udp) -> {
                    long mac = from == WEB1 ? WEB1_MAC : from == DB2 ? DB2_MAC : APP1_MAC;
                    int src = from == DB2 ? ip("10.1.2.5") : ip("10.1.1.4");
                    return udp ? Frames.udp(mac, ForwardingTables.ROUTER_MAC, src, dst, srcPort, dstPort, 20)
                            : NatTest.tcp(mac, ForwardingTables.ROUTER_MAC, src, dst, srcPort, dstPort);
                });
        return Combinators.combine(mutated(valid), port).as(Arrival::new).list().ofMinSize(1).ofMaxSize(32);
    }

    /**
     * Packets from VMs (web-1 with a public address, db-2 behind a NAT gateway served here, tenant-b's app-1 with neither) to
     * this host's own public addresses and others, damaged too, from their own ports or others: what turns back in
     * ({@link PacketBatch#HAIRPIN}) goes through the graph again as the worker does it, from {@code uplink-input}. Nothing
     * throws; nothing turns back twice; what reaches a port then is web-1's, sent to its public address, or a reply on a
     * translation of the NAT gateway to the VM that made it; nothing leaves by the underlay.
     */
    @Property(tries = 1000)
    void whatAHostSendsToItsOwnPublicAddressesComesBackOnlyToTheirOwners(@ForAll("toPublicAddresses") List<Arrival> arrivals) {
        try (PacketBatch batch = new PacketBatch(); PacketBatch back = new PacketBatch();
             ForwardingTables tables = new ForwardingTables(NatTest.snapshot(HOST_A), HOST_A)) {
            Pipeline pipeline = new Pipeline(1024);
            pipeline.neighbors().ownMac(NatTest.UPLINK_MAC);
            pipeline.neighbors().learn(ip("203.0.113.1"), NatTest.GATEWAY_MAC);
            for (Arrival a : arrivals) {
                batch.add(a.frame(), a.port());
            }
            pipeline.process(batch, tables);
            for (int i = 0; i < batch.count(); i++) {
                if (batch.verdict[i] == PacketBatch.HAIRPIN) {
                    back.addTurnedBack(batch, i);
                }
            }
            pipeline.process(back, tables);
            for (int j = 0; j < back.count(); j++) {
                byte[] in = back.frame(j);
                assertThat(back.verdict[j]).as("turned back in: frame %d", j).isNotEqualTo(PacketBatch.HAIRPIN).isNotEqualTo(PacketBatch.TO_UNDERLAY);
                if (back.verdict[j] == PacketBatch.TO_PORT) {
                    assertThat(back.outPort[j]).as("frame %d", j).isIn(WEB1, DB2);
                    assertThat(back.outPort[j] == WEB1 ? u32(in, 30) == ip("10.1.1.4") : u32(in, 30) == ip("10.1.2.5")).isTrue();
                }
            }
        }
    }

    @Property(tries = 3000)
    void whateverVirtioNetHeaderAVmWritesTheSegmenterNeverThrows(@ForAll @Size(max = 3000) byte[] frame,
                                                               @ForAll @IntRange(min = 0, max = 3) int gsoType,
                                                               @ForAll @IntRange(min = 0, max = 2000) int gsoSize) {
        byte[] copy = frame.clone();
        if (copy.length > 5) {
            copy[1] = (byte) gsoType;
            copy[4] = (byte) gsoSize;
            copy[5] = (byte) (gsoSize >>> 8);
        }
        try (PacketBatch batch = new PacketBatch()) {
            int added = dev.weft.fastpath.io.Segmenter.add(MemorySegment.ofArray(copy), copy.length, batch, 0);
            assertThat(added).isEqualTo(added < 0 ? added : batch.count());
        }
    }

    @Property
    void vectorFlowHashEqualsScalar(@ForAll @Size(min = 1, max = 256) List<@IntRange(min = Integer.MIN_VALUE) Integer> values) {
        try (PacketBatch a = new PacketBatch(); PacketBatch b = new PacketBatch()) {
            int n = values.size();
            for (int i = 0; i < n; i++) {
                int v = values.get(i);
                for (PacketBatch batch : new PacketBatch[] {a, b}) {
                    batch.srcIp[i] = v;
                    batch.dstIp[i] = v * 31 + 7;
                    batch.protocol[i] = v & 0xff;
                    batch.srcPort[i] = v >>> 16;
                    batch.dstPort[i] = v & 0xffff;
                    batch.inPort[i] = v % 5;
                }
            }
            FlowHash.scalar(a, n);
            FlowHash.vector(b, n);
            assertThat(java.util.Arrays.copyOf(b.hash, n)).isEqualTo(java.util.Arrays.copyOf(a.hash, n));
        }
    }

    @Property
    void vectorChecksumEqualsScalar(@ForAll @Size(max = 2000) byte[] data, @ForAll @IntRange(min = 0, max = 7) int offset) {
        byte[] padded = new byte[data.length + offset];
        System.arraycopy(data, 0, padded, offset, data.length);
        MemorySegment m = MemorySegment.ofArray(padded);
        assertThat(Checksum.fold(Checksum.sumVector(m, offset, data.length))).isEqualTo(Checksum.fold(Checksum.sum(m, offset, data.length)));
    }
}

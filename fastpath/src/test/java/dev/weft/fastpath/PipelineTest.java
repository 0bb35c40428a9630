package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.node.GreInput;
import dev.weft.fastpath.node.VxlanInput;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.trace.Probe;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every path of the pipeline with reference frames, checked field by field. */
class PipelineTest {

    PacketBatch batch;
    ForwardingTables tables;
    Pipeline pipeline;

    @BeforeEach
    void setUp() {
        batch = new PacketBatch();
        tables = Frames.tables(1);
        pipeline = new Pipeline(4096);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    private int run(byte[] frame, int inPort) {
        return run(frame, inPort, HOST_B);
    }

    /** @param sender for underlay frames, the provider address they come from */
    private int run(byte[] frame, int inPort, int sender) {
        batch.clear();
        int i = batch.add(frame, inPort);
        batch.underlaySource[i] = sender;
        pipeline.process(batch, tables);
        return i;
    }

    @Test
    void arpForTheGatewayIsAnsweredWithTheRouterMac() {
        int i = run(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.1")), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB1);
        byte[] reply = batch.frame(i);
        assertThat(mac(reply, 0)).isEqualTo(WEB1_MAC);                 // to the asker
        assertThat(mac(reply, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
        assertThat(u16(reply, 12)).isEqualTo(0x0806);
        assertThat(u16(reply, 20)).isEqualTo(2);                       // reply
        assertThat(mac(reply, 22)).isEqualTo(ForwardingTables.ROUTER_MAC); // sender hardware address
        assertThat(u32(reply, 28)).isEqualTo(ip("10.1.1.1"));          // sender protocol address
        assertThat(mac(reply, 32)).isEqualTo(WEB1_MAC);
        assertThat(u32(reply, 38)).isEqualTo(ip("10.1.1.4"));
    }

    @Test
    void taggedArpAndEchoRequestsToTheGatewayAreAnsweredOnTheirVlan() {
        int i = run(Frames.tagged(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.1")), 100), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        byte[] reply = batch.frame(i);
        assertThat(Arrays.copyOfRange(reply, 12, 18)).as("802.1Q, VLAN 100, ARP").containsExactly(0x81, 0x00, 0x00, 0x64, 0x08, 0x06);
        assertThat(u16(Frames.untagged(reply), 20)).isEqualTo(2);      // reply
        assertThat(mac(Frames.untagged(reply), 22)).isEqualTo(ForwardingTables.ROUTER_MAC);

        int e = run(Frames.tagged(Checksums.withL4(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.1.1"), 7)), 100), WEB1);
        assertThat(batch.verdict[e]).isEqualTo(PacketBatch.TO_PORT);
        byte[] echo = batch.frame(e);
        assertThat(Arrays.copyOfRange(echo, 12, 18)).as("802.1Q, VLAN 100, IPv4").containsExactly(0x81, 0x00, 0x00, 0x64, 0x08, 0x00);
        assertThat(Frames.untagged(echo)[34]).as("echo reply").isEqualTo((byte) 0);
        assertThat(Checksums.valid(Frames.untagged(echo))).isTrue();
    }

    @Test
    void arpForAKnownAddressOfTheSubnetIsAnsweredWithItsMacAndOtherArpIsDropped() {
        int i = run(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.5")), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(mac(batch.frame(i), 22)).isEqualTo(WEB2_MAC);
        run(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.99")), WEB1);
        run(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.2.5")), WEB1); // another subnet: through the gateway
        assertThat(batch.verdict[0]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.ARP_NOT_ANSWERED)).isEqualTo(2);
    }

    @Test
    void sameSubnetToAnotherHostIsEncapsulatedInVxlan() {
        byte[] inner = udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 53, 18);
        int i = run(inner, WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(batch.outAddress[i]).isEqualTo(HOST_B);
        byte[] f = batch.frame(i);                                     // the kernel's UDP socket adds outer IPv4 and UDP
        assertThat(f).hasSize(8 + inner.length);
        assertThat(batch.encap[i]).isEqualTo(ForwardingTables.VXLAN);
        assertThat(u32(f, 0)).isEqualTo(0x0800_0000);                  // I flag
        assertThat(u32(f, 4) >>> 8).isEqualTo(5001);                   // VNI
        assertThat(f[7]).isZero();                                     // reserved
        assertThat(Arrays.copyOfRange(f, 8, f.length)).isEqualTo(inner); // the tenant frame, untouched
        assertThat(pipeline.counters().encapsulated()).isEqualTo(1);
    }

    @Test
    void theSameFlowAlwaysGetsTheSameHashAndOtherFlowsSpread() { // the hash picks the VXLAN source port
        int first = batch.hash[run(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 53, 0), WEB1)];
        int again = batch.hash[run(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 53, 0), WEB1)];
        int other = batch.hash[run(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40001, 53, 0), WEB1)];
        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void sameSubnetOnThisHostIsSwitchedToThePortUntouched() {
        byte[] frame = udp(WEB1_MAC, WEB3_MAC, ip("10.1.1.4"), ip("10.1.1.6"), 1000, 2000, 32);
        int i = run(frame, WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB3);
        assertThat(batch.frame(i)).isEqualTo(frame);                   // no rewrite, TTL kept
        assertThat(pipeline.counters().switched()).isEqualTo(1);
    }

    @Test
    void a8021qTaggedFrameIsParsedAndForwardedWithItsTag() {
        byte[] tagged = Frames.tagged(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1000, 2000, 8), 100);
        int i = run(tagged, WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(batch.l3[i]).isEqualTo(18);
        assertThat(Arrays.copyOfRange(batch.frame(i), 8, 8 + tagged.length)).isEqualTo(tagged);
    }

    @Test
    void anotherSubnetOnThisHostIsRoutedLocally() {
        byte[] frame = ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7);
        int i = run(frame, WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(DB2);
        byte[] f = batch.frame(i);
        assertThat(mac(f, 0)).isEqualTo(DB2_MAC);
        assertThat(mac(f, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
        assertThat(f[22] & 0xff).isEqualTo(63);                        // TTL decremented
        assertThat(checksumOk(f, 14)).isTrue();                        // RFC 1624 update
        assertThat(Arrays.copyOfRange(f, 34, f.length)).isEqualTo(Arrays.copyOfRange(frame, 34, frame.length));
        assertThat(pipeline.counters().routed()).isEqualTo(1);
    }

    @Test
    void anotherSubnetIsReachedThroughTheGatewayOnly() {
        int i = run(ping(WEB1_MAC, DB2_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.NO_ROUTE)).isEqualTo(1);
    }

    @Test
    void aPingToAGatewayIsAnsweredByTheRouter() {
        for (String gateway : java.util.List.of("10.1.1.1", "10.1.2.1")) {         // its own subnet's, and the other subnet's
            byte[] sent = Checksums.withL4(Probe.ttl(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip(gateway), 7), 3));
            int i = run(sent, WEB1);
            assertThat(batch.verdict[i]).as(gateway).isEqualTo(PacketBatch.TO_PORT);
            assertThat(batch.outPort[i]).isEqualTo(WEB1);
            byte[] reply = batch.frame(i);
            assertThat(reply).hasSize(sent.length);
            assertThat(mac(reply, 0)).isEqualTo(WEB1_MAC);
            assertThat(mac(reply, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
            assertThat(u32(reply, 26)).isEqualTo(ip(gateway));
            assertThat(u32(reply, 30)).isEqualTo(ip("10.1.1.4"));
            assertThat(reply[22]).isEqualTo((byte) 64);                  // a fresh TTL
            assertThat(reply[34]).isEqualTo((byte) 0);                   // echo reply
            assertThat(Checksums.valid(reply)).as("both checksums").isTrue();
            assertThat(Arrays.copyOfRange(reply, 38, reply.length)).isEqualTo(Arrays.copyOfRange(sent, 38, sent.length)); // id, seq, data
        }
        byte[] fragment = ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.1.1"), 7);
        fragment[20] = 0x20;                                             // more fragments follow: not answered in part
        fragment = Probe.ttl(fragment, 64);
        assertThat(batch.verdict[run(fragment, WEB1)]).isEqualTo(PacketBatch.DROP);
        byte[] corrupt = Checksums.withL4(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.1.1"), 7));
        corrupt[corrupt.length - 1] ^= 1;                                // a bit of the data flipped on the way
        assertThat(batch.verdict[run(corrupt, WEB1)]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.BAD_ICMP_CHECKSUM)).isEqualTo(1);
        byte[] spoofed = ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.9"), ip("10.1.1.1"), 7);
        assertThat(batch.verdict[run(spoofed, WEB1)]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.SPOOFED_SOURCE)).isEqualTo(1);
    }

    @Test
    void anExpiringTtlIsAnsweredWithTimeExceededFromTheGateway() {
        byte[] sent = Probe.ttl(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7), 1);
        int i = run(sent, WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB1);                 // back to the sender
        byte[] error = batch.frame(i);
        assertThat(error).hasSize(14 + 20 + 8 + sent.length - 14);      // the whole packet carried: it is short
        assertThat(mac(error, 0)).isEqualTo(WEB1_MAC);
        assertThat(mac(error, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
        assertThat(checksumOk(error, 14)).isTrue();
        assertThat(u32(error, 26)).isEqualTo(ip("10.1.1.1"));           // from the gateway of the sender's subnet
        assertThat(u32(error, 30)).isEqualTo(ip("10.1.1.4"));
        assertThat(error[23]).isEqualTo((byte) 1);                       // ICMP
        assertThat(error[34]).isEqualTo((byte) 11);                      // time exceeded
        assertThat(error[35]).isEqualTo((byte) 0);                       // in transit
        assertThat(Checksums.valid(error)).isTrue();
        assertThat(Arrays.copyOfRange(error, 42, error.length)).isEqualTo(Arrays.copyOfRange(sent, 14, sent.length)); // as sent, TTL 1
        assertThat(pipeline.counters().drops(DropReason.TTL_EXPIRED)).isZero();
    }

    @Test
    void aTaggedPacketsTimeExceededGoesBackOnItsVlan() {
        byte[] plain = Probe.ttl(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7), 1);
        int i = run(Frames.tagged(plain, 100), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB1);
        byte[] error = batch.frame(i);
        assertThat(Arrays.copyOfRange(error, 12, 16)).as("802.1Q, VLAN 100").containsExactly(0x81, 0x00, 0x00, 0x64);
        assertThat(batch.l3[i]).isEqualTo(18);
        byte[] inner = Frames.untagged(error);
        assertThat(mac(inner, 0)).isEqualTo(WEB1_MAC);
        assertThat(u16(inner, 12)).isEqualTo(0x0800);
        assertThat(inner[34]).isEqualTo((byte) 11);                      // time exceeded
        assertThat(Checksums.valid(inner)).isTrue();
        assertThat(Arrays.copyOfRange(inner, 42, inner.length)).isEqualTo(Arrays.copyOfRange(plain, 14, plain.length));
    }

    @Test
    void aLongPacketsTimeExceededCarriesWhatFitsIn576Bytes() {
        byte[] sent = Probe.ttl(udp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 40000, 33434, 1400), 1);
        int i = run(sent, WEB1);
        byte[] error = batch.frame(i);
        assertThat(error).hasSize(14 + 576);
        assertThat(u16(error, 16)).isEqualTo(576);                      // IPv4 total length
        assertThat(checksumOk(error, 14)).isTrue();
        assertThat(Checksums.valid(error)).isTrue();
        assertThat(Arrays.copyOfRange(error, 42, error.length)).isEqualTo(Arrays.copyOfRange(sent, 14, 14 + 548));
    }

    @Test
    void aFlowsLaterPacketWithAnExpiringTtlIsAnsweredToo() {
        byte[] ping = ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7);
        run(ping, WEB1);                                                // learns the flow
        int i = run(Probe.ttl(ping, 1), WEB1);                          // a flow-cache hit
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.frame(i)[34]).isEqualTo((byte) 11);
    }

    @Test
    void noErrorAboutAnErrorAFragmentOrAForeignSource() {
        byte[] error = Probe.ttl(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7), 1);
        error[34] = 3;                                                  // destination unreachable, not an echo
        error = Checksums.withL4(error);
        byte[] fragment = Probe.ttl(udp(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 40000, 33434, 100), 0);
        fragment[20] = 0x20;                                            // a later fragment: offset 8 × 8 bytes
        fragment[21] = 8;
        fragment = Probe.ttl(fragment, 1);
        for (byte[] frame : java.util.List.of(error, fragment)) {
            int i = run(frame, WEB1);
            assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        }
        assertThat(pipeline.counters().drops(DropReason.TTL_EXPIRED)).isEqualTo(2);
    }

    @Test
    void nvgreCarriesTheVsidAndFlowIdInTheGreKey() {
        byte[] inner = ping(APP1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.4"), 9);
        int i = run(inner, APP1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
        byte[] f = batch.frame(i);                                     // from the outer IPv4 header: the raw socket sends it as it is
        assertThat(f).hasSize(28 + inner.length);
        assertThat(u16(f, 2)).isEqualTo(28 + inner.length);            // total length
        assertThat(u16(f, 6)).isEqualTo(0x4000);                       // DF
        assertThat(f[8] & 0xff).isEqualTo(64);                         // TTL
        assertThat(f[9] & 0xff).isEqualTo(47);                         // GRE
        assertThat(checksumOk(f, 0)).isTrue();
        assertThat(u32(f, 12)).isEqualTo(HOST_A);
        assertThat(u32(f, 16)).isEqualTo(batch.outAddress[i]);
        assertThat(u16(f, 20)).isEqualTo(0x2000);                      // K bit
        assertThat(u16(f, 22)).isEqualTo(0x6558);                      // transparent Ethernet bridging
        assertThat(u32(f, 24) >>> 8).isEqualTo(5002);                  // VSID
        assertThat(u32(f, 24) & 0xff).isEqualTo(batch.hash[i] & 0xff); // flow id
        assertThat(mac(f, 28)).isEqualTo(DATA1_MAC);                   // routed: inner MACs rewritten
    }

    @Test
    void nvgreFromTheUnderlayIsDecapsulatedFromItsRealOuterHeader() {
        byte[] toApp1 = ping(DATA1_MAC, APP1_MAC, ip("10.1.2.4"), ip("10.1.1.4"), 9);
        int i = run(nvgre(5002, HOST_B, HOST_A, toApp1), PacketBatch.UNDERLAY_GRE);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(APP1);
        assertThat(batch.underlaySource[i]).isEqualTo(HOST_B);
        assertThat(batch.frame(i)).isEqualTo(toApp1);
        byte[] fragment = nvgre(5002, HOST_B, HOST_A, toApp1);
        fragment[6] = 0x20;                                            // more fragments
        run(fragment, PacketBatch.UNDERLAY_GRE);
        assertThat(pipeline.counters().drops(GreInput.NAME, DropReason.BAD_ENCAPSULATION)).isEqualTo(1);
    }

    @Test
    void decapsulationDeliversOnlyToALocalPortOfTheSameVni() {
        byte[] toWeb1 = udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 10);
        int i = run(vxlan(5001, toWeb1), PacketBatch.UNDERLAY);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB1);                  // tenant-a's 10.1.1.4, not tenant-b's
        assertThat(batch.frame(i)).isEqualTo(toWeb1);

        i = run(vxlan(5002, toWeb1), PacketBatch.UNDERLAY);
        assertThat(batch.outPort[i]).isEqualTo(APP1);                  // the same address in VNI 5002 is tenant-b's

        run(vxlan(7777, toWeb1), PacketBatch.UNDERLAY);                // no host carries VNI 7777
        run(vxlan(5001, udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1, 2, 0)), PacketBatch.UNDERLAY);
        assertThat(pipeline.counters().drops(DropReason.UNKNOWN_PEER)).isEqualTo(1);
        assertThat(pipeline.counters().drops(DropReason.NOT_A_LOCAL_PORT)).isEqualTo(1);
    }

    @Test
    void encapsulatedFramesAreAcceptedOnlyFromHostsThatCarryTheirVni() {
        byte[] toWeb1 = udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 10);
        int rogue = ip("198.18.0.99");
        assertThat(batch.verdict[run(vxlan(5001, toWeb1), PacketBatch.UNDERLAY, rogue)]).isEqualTo(PacketBatch.DROP);
        assertThat(batch.verdict[run(nvgre(5002, rogue, HOST_A, toWeb1), PacketBatch.UNDERLAY_GRE)]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(VxlanInput.NAME, DropReason.UNKNOWN_PEER)).isEqualTo(1);
        assertThat(pipeline.counters().drops(GreInput.NAME, DropReason.UNKNOWN_PEER)).isEqualTo(1);
        assertThat(batch.verdict[run(vxlan(5001, toWeb1), PacketBatch.UNDERLAY, HOST_B)]).isEqualTo(PacketBatch.TO_PORT);
    }

    /**
     * Hostile tagged frames: a VLAN tag changes nothing about whose network a frame is in. Another tenant's VM tagging its
     * frames with the VLAN tenant-a's VM uses stays in its own VNI; tagged VXLAN from an address that is not a Host is
     * dropped; a tagged frame cut inside its tag or IPv4 header is dropped and counted; a tagged spoofed source is dropped.
     */
    @Test
    void aVlanTagCarriesNoFrameIntoAnotherNetwork() {
        int i = run(Frames.tagged(udp(APP1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1000, 2000, 8), 100), APP1);
        assertThat(batch.verdict[i]).as("tenant-a's web-2 address is no one in tenant-b's network").isEqualTo(PacketBatch.DROP);
        i = run(Frames.tagged(ping(APP1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.4"), 9), 100), APP1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(u32(batch.frame(i), 24) >>> 8).as("routed to tenant-b's data-1 in its own VSID, whatever the tag").isEqualTo(5002);
        byte[] toWeb1 = Frames.tagged(udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 10), 100);
        i = run(vxlan(5002, toWeb1), PacketBatch.UNDERLAY);
        assertThat(batch.outPort[i]).as("VNI 5002's 10.1.1.4 is tenant-b's app-1").isEqualTo(APP1);
        assertThat(batch.verdict[run(vxlan(5001, toWeb1), PacketBatch.UNDERLAY, ip("198.18.0.99"))]).as("not a Host").isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(VxlanInput.NAME, DropReason.UNKNOWN_PEER)).isEqualTo(1);
        byte[] cut = Arrays.copyOf(Frames.tagged(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.1.1"), 7), 100), 30);
        assertThat(batch.verdict[run(cut, WEB1)]).as("cut inside its IPv4 header").isEqualTo(PacketBatch.DROP);
        assertThat(batch.verdict[run(Arrays.copyOf(cut, 15), WEB1)]).as("cut inside its tag").isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.TRUNCATED)).isEqualTo(2);
        run(Frames.tagged(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.9"), ip("10.1.1.5"), 1, 2, 0), 100), WEB1);
        assertThat(pipeline.counters().drops(DropReason.SPOOFED_SOURCE)).isEqualTo(1);
    }

    @Test
    void spoofedSourcesAreDropped() {
        run(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.9"), ip("10.1.1.5"), 1, 2, 0), WEB1);
        run(udp(DB2_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1, 2, 0), WEB1);
        assertThat(pipeline.counters().drops(DropReason.SPOOFED_SOURCE)).isEqualTo(2);
    }

    @Test
    void theFlowCacheHitsForLaterPacketsAndANewTableGenerationMisses() {
        byte[] frame = udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 53, 0);
        run(frame, WEB1);
        run(frame, WEB1);
        run(frame, WEB1);
        assertThat(pipeline.counters().flowMisses()).isEqualTo(1);
        assertThat(pipeline.counters().flowHits()).isEqualTo(2);
        tables.close();
        tables = Frames.tables(2);
        run(frame, WEB1);
        assertThat(pipeline.counters().flowMisses()).isEqualTo(2);
    }

    @Test
    void malformedFramesAreDroppedAndCountedByReason() {
        byte[] good = udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1, 2, 8);
        run(Arrays.copyOf(good, 10), WEB1);
        run(Arrays.copyOf(good, 30), WEB1);
        byte[] badChecksum = good.clone();
        badChecksum[25] ^= 1;
        run(badChecksum, WEB1);
        byte[] badLength = good.clone();
        badLength[17] = (byte) 0xff;
        run(badLength, WEB1);
        byte[] ipv6 = good.clone();
        ipv6[12] = (byte) 0x86;
        ipv6[13] = (byte) 0xdd;
        run(ipv6, WEB1);
        run(good, 17);
        run(new byte[] {1, 2, 3}, PacketBatch.UNDERLAY);
        var c = pipeline.counters();
        assertThat(c.drops(DropReason.TRUNCATED)).isEqualTo(3);
        assertThat(c.drops(DropReason.BAD_IPV4_CHECKSUM)).isEqualTo(1);
        assertThat(c.drops(DropReason.BAD_IPV4_LENGTH)).isEqualTo(1);
        assertThat(c.drops(DropReason.BAD_ETHERTYPE)).isEqualTo(1);
        assertThat(c.drops(DropReason.UNKNOWN_SOURCE_PORT)).isEqualTo(1);
        assertThat(c.totalDrops()).isEqualTo(7);
    }

    @Test
    void aBatchOfMixedFramesGetsEachItsOwnVerdict() {
        batch.clear();
        batch.add(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 1, 2, 0), WEB1);
        batch.add(arpRequest(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.1")), WEB1);
        batch.add(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 1), WEB1);
        batch.add(new byte[5], WEB1);
        pipeline.process(batch, tables);
        assertThat(batch.verdict).startsWith(PacketBatch.TO_UNDERLAY, PacketBatch.TO_PORT, PacketBatch.TO_PORT, PacketBatch.DROP);
    }
}

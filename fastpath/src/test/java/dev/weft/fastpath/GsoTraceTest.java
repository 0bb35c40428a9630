package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.fastpath.graph.TraceRecord;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.trace.PacketTracer;
import dev.weft.fastpath.trace.Probe;
import dev.weft.fastpath.uplink.Neighbors;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** {@code weft trace} of a VM's TSO frame: one GSO frame through the graph, where it is cut, and how it leaves the host. */
class GsoTraceTest {

    /** A host whose tunnel device and VMs' devices are as given. */
    record Devices(String tunnel, Boolean takes) implements PacketTracer.Devices {
        @Override
        public Boolean takesGso(String port) {
            return takes;
        }
    }

    private static byte[] tso(long dstMac, String to, int dport, int bytes) {
        return Probe.tcpData(WEB1_MAC, dstMac, ip("10.1.1.4"), ip(to), 40000, dport, bytes);
    }

    @Test
    void aTsoFrameToAnotherHostCrossesTheGraphWholeAndLeavesWholeThroughTheTunnelDevice() {
        try (ForwardingTables tables = Frames.tables(1)) {
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, tso(WEB2_MAC, "10.1.1.5", 80, 65000), new Neighbors(), 1448,
                    new Devices("weftgso0", true));
            assertThat(result.outcome()).isEqualTo(PacketTracer.Outcome.ENCAPSULATED);
            assertThat(result.segments()).isEqualTo(45);
            assertThat(result.whole()).isTrue();
            assertThat(result.hops()).extracting(TraceRecord::packet).containsOnly(0); // one frame all the way
            assertThat(result.hops().getLast()).isEqualTo(new TraceRecord(0, PacketTracer.SEND,
                    "GSO frame, 45 segments of 1448 bytes: VXLAN whole through weftgso0, cut by the kernel or NIC where it must be"));
            assertThat(result.frame()).hasSize(8 + 14 + 40 + 65000); // VXLAN header, the whole inner frame: the next host's trace takes it

            // the next host takes the datagram as its underlay would: one GSO frame, cut at a 1,500-byte MTU's segment size
            PacketTracer.Result there = PacketTracer.trace(tables, PacketBatch.UNDERLAY, HOST_B, result.frame(), new Neighbors(), 0,
                    new Devices("weftgso0", false));
            assertThat(there.segments()).isEqualTo(45);
            assertThat(there.hops().getFirst().node()).isEqualTo("vxlan-input");
        }
    }

    @Test
    void withoutATunnelDeviceTheHostCutsItAndTheTraceGoesOnWithTheFirstSegment() {
        try (ForwardingTables tables = Frames.tables(1)) {
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, tso(WEB2_MAC, "10.1.1.5", 80, 65000), new Neighbors(), 1448,
                    new Devices("", true));
            assertThat(result.hops().getLast().decision())
                    .isEqualTo("cut: GSO frame, 45 segments of 1448 bytes, the host has no tunnel device, as one UDP_SEGMENT send");
            assertThat(result.whole()).isFalse();
            assertThat(result.frame()).hasSize(8 + 14 + 40 + 1448);
            MemorySegment first = MemorySegment.ofArray(result.frame());
            assertThat(Bytes.u16(first, 8 + 14 + 2)).as("the first segment's own IPv4 length").isEqualTo(40 + 1448);

            PacketTracer.Result unknown = PacketTracer.trace(tables, WEB1, 0, tso(WEB2_MAC, "10.1.1.5", 80, 65000), new Neighbors(), 1448,
                    PacketTracer.Devices.UNKNOWN);
            assertThat(unknown.hops().getLast().decision()).contains("VXLAN whole where the host has a tunnel device");
        }
    }

    @Test
    void toAVmOnTheSameHostItIsDeliveredWholeOnlyWhereTheVmsDeviceTakesTso() {
        try (ForwardingTables tables = Frames.tables(1)) {
            byte[] frame = Probe.tcpData(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 40000, 80, 20000);
            PacketTracer.Result whole = PacketTracer.trace(tables, WEB1, 0, frame, new Neighbors(), 1448, new Devices("", true));
            assertThat(whole.outcome()).isEqualTo(PacketTracer.Outcome.DELIVERED);
            assertThat(whole.hops().getLast().decision()).isEqualTo("GSO frame, 14 segments of 1448 bytes: to the VM whole, its device takes TSO");
            assertThat(whole.whole()).isTrue();
            PacketTracer.Result cut = PacketTracer.trace(tables, WEB1, 0, frame, new Neighbors(), 1448, new Devices("", false));
            assertThat(cut.hops().getLast().decision()).isEqualTo("cut: GSO frame, 14 segments of 1448 bytes, the VM's device takes no TSO");
            assertThat(cut.whole()).isFalse();
            assertThat(cut.frame()).hasSize(14 + 40 + 1448);
        }
    }

    @Test
    void aNodeThatReadsWholeFramesCutsItAndTheTraceFollowsTheFirstSegment() {
        try (ForwardingTables tables = Frames.tables(1)) {
            byte[] frame = Probe.tcpData(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.1.1"), 40000, 53, 3000);
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, frame, new Neighbors(), 1448, new Devices("", true));
            TraceRecord cut = result.hops().stream().filter(h -> h.next() >= 0).findFirst().orElseThrow();
            assertThat(cut.node()).isEqualTo("dns-tcp");
            assertThat(cut.decision()).isEqualTo("cut: GSO frame into 3 segments of 1448 bytes (this node reads whole frames)");
            assertThat(result.hops().getLast().packet()).isEqualTo(cut.next());
            assertThat(result.segments()).isEqualTo(3);
            assertThat(result.whole()).isFalse();
            assertThat(result.hops()).extracting(TraceRecord::node).doesNotContain(PacketTracer.SEND);
        }
    }

    @Test
    void toTheInternetItLeavesByTheUplinkWholeOnceTheNextHopIsKnown() {
        try (ForwardingTables tables = new ForwardingTables(NatTest.snapshot(HOST_A), HOST_A)) {
            byte[] frame = Probe.tcpData(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), NatTest.INTERNET, 40000, 443, 20000);
            Neighbors neighbors = new Neighbors();
            neighbors.ownMac(NatTest.UPLINK_MAC);
            neighbors.learn(ip("203.0.113.1"), NatTest.GATEWAY_MAC);
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, frame, neighbors, 1448, PacketTracer.Devices.UNKNOWN);
            assertThat(result.outcome()).isEqualTo(PacketTracer.Outcome.UPLINK);
            assertThat(result.hops().getLast().decision())
                    .isEqualTo("GSO frame, 14 segments of 1448 bytes: out of the uplink whole (packet socket with a virtio-net header)");
            assertThat(result.whole()).isTrue();
            assertThat(Bytes.u32(MemorySegment.ofArray(result.frame()), 14 + 12)).as("translated whole").isEqualTo(NatTest.WEB1_PUBLIC);
        }
    }

    @Test
    void aTsoFrameToItsOwnPublicAddressIsCutAndItsFirstSegmentComesBackIn() {
        try (ForwardingTables tables = new ForwardingTables(NatTest.snapshot(HOST_A), HOST_A)) {
            byte[] frame = Probe.tcpData(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), NatTest.WEB1_PUBLIC, 40000, 80, 20000);
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, frame, new Neighbors(), 1448, PacketTracer.Devices.UNKNOWN);
            assertThat(result.hops()).extracting(TraceRecord::decision)
                    .contains("cut: GSO frame, 14 segments of 1448 bytes, to come back in as from the uplink");
            assertThat(result.hops()).extracting(TraceRecord::node).contains("uplink-input", "nat-in");
            assertThat(result.outcome()).isEqualTo(PacketTracer.Outcome.DELIVERED);
            assertThat(result.port()).isEqualTo(tables.ports[WEB1].name());
            assertThat(result.whole()).isFalse();
            assertThat(result.frame()).hasSize(14 + 40 + 1448);
        }
    }

    private static byte[] uso(String to, long dstMac, int bytes) {
        return Probe.frame(WEB1_MAC, dstMac, ip("10.1.1.4"), ip(to), Probe.Protocol.udp, 40000, 4433, new byte[bytes]);
    }

    @Test
    void aVmsUsoFrameCrossesTheGraphWholeAndLeavesAsOneVxlanDatagramThatTheNextHostTakesWhole() {
        try (ForwardingTables tables = Frames.tables(1)) {
            PacketTracer.Result result = PacketTracer.trace(tables, WEB1, 0, uso("10.1.1.5", WEB2_MAC, 12000), new Neighbors(), 1200,
                    new Devices("weftgso0", true));
            assertThat(result.outcome()).isEqualTo(PacketTracer.Outcome.ENCAPSULATED);
            assertThat(result.segments()).as("datagrams").isEqualTo(10);
            assertThat(result.whole()).isTrue();
            assertThat(result.hops()).extracting(TraceRecord::packet).containsOnly(0);
            assertThat(result.hops().getLast()).isEqualTo(new TraceRecord(0, PacketTracer.SEND,
                    "USO frame, 10 datagrams of 1200 bytes: VXLAN whole through weftgso0, cut by the kernel or NIC where it must be"));
            assertThat(result.frame()).as("VXLAN header, the whole USO frame").hasSize(8 + 14 + 20 + 8 + 12000);

            // such a datagram from host B to web-1 here: the underlay reports the datagram size with it; web-1's NIC takes no
            // coalesced UDP, so it is cut for it
            byte[] back = Probe.frame(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), Probe.Protocol.udp, 4433, 40000, new byte[12000]);
            byte[] datagram = new byte[8 + back.length];
            System.arraycopy(result.frame(), 0, datagram, 0, 8); // the VXLAN header: VNI 5001
            System.arraycopy(back, 0, datagram, 8, back.length);
            PacketTracer.Result there = PacketTracer.trace(tables, PacketBatch.UNDERLAY, HOST_B, datagram, new Neighbors(), 1200,
                    new Devices("weftgso0", true));
            assertThat(there.hops().getFirst().node()).isEqualTo("vxlan-input");
            assertThat(there.segments()).isEqualTo(10);
            assertThat(there.hops().getLast().decision())
                    .isEqualTo("cut: USO frame, 10 datagrams of 1200 bytes, the VM's NIC doesn't ask for udpReceiveCoalescing");
            assertThat(there.frame()).as("the first datagram").hasSize(14 + 20 + 8 + 1200);
            MemorySegment first = MemorySegment.ofArray(there.frame());
            assertThat(Bytes.u16(first, 14 + 2)).as("its own IPv4 length").isEqualTo(20 + 8 + 1200);
            assertThat(Bytes.u16(first, 14 + 20 + 4)).as("its own UDP length").isEqualTo(8 + 1200);
        }
    }

    @Test
    void aUsoFrameIsCutBeforeTheUnderlayWithoutATunnelDeviceOrWithMoreDatagramsThanAReceiverTakesWhole() {
        try (ForwardingTables tables = Frames.tables(1)) {
            PacketTracer.Result none = PacketTracer.trace(tables, WEB1, 0, uso("10.1.1.5", WEB2_MAC, 12000), new Neighbors(), 1200,
                    new Devices("", true));
            assertThat(none.hops().getLast().decision())
                    .isEqualTo("cut: USO frame, 10 datagrams of 1200 bytes, the host has no tunnel device, as one UDP_SEGMENT send");
            assertThat(none.whole()).isFalse();
            assertThat(none.frame()).as("VXLAN header, the first datagram").hasSize(8 + 14 + 20 + 8 + 1200);

            PacketTracer.Result many = PacketTracer.trace(tables, WEB1, 0, uso("10.1.1.5", WEB2_MAC, 6000), new Neighbors(), 100,
                    new Devices("weftgso0", true));
            assertThat(many.hops().getLast().decision()).isEqualTo(
                    "cut: USO frame, 60 datagrams of 100 bytes, more than 54 datagrams (a receiver's budget), as one UDP_SEGMENT send");
            PacketTracer.Result quic = PacketTracer.trace(tables, WEB1, 0, uso("10.1.1.5", WEB2_MAC, 54 * 1200), new Neighbors(), 1200,
                    new Devices("weftgso0", true));
            assertThat(quic.hops().getLast().decision()).as("64 kB of QUIC's 1,200-byte datagrams leaves whole")
                    .startsWith("USO frame, 54 datagrams of 1200 bytes: VXLAN whole");
            assertThat(many.frame()).hasSize(8 + 14 + 20 + 8 + 100);
        }
    }

    @Test
    void aMalformedTsoFrameIsRefusedAsTheHostWouldDropIt() {
        try (ForwardingTables tables = Frames.tables(1)) {
            byte[] udp = Probe.frame(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), Probe.Protocol.udp, 1, 53, new byte[3000]);
            assertThatThrownBy(() -> PacketTracer.trace(tables, WEB1, 0, udp, new Neighbors(), 4000, PacketTracer.Devices.UNKNOWN))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the host would drop this USO frame as malformed");
            assertThatThrownBy(() -> PacketTracer.trace(tables, WEB1, 0, tso(WEB2_MAC, "10.1.1.5", 80, 65000), new Neighbors(), 4000,
                    PacketTracer.Devices.UNKNOWN)).hasMessageContaining("malformed");
        }
    }
}

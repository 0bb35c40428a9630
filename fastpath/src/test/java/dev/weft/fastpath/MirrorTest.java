package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.mirror.Mirrors;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.Mirror;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Port mirroring on host-a: web-1's frames copied to collector db-2 (here) wrapped in VXLAN; the originals untouched. */
class MirrorTest {

    static final int TAP_VNI = 0x123456;

    static ForwardingTables tables(boolean inbound, boolean outbound) {
        TableSnapshot base = Frames.snapshot(1);
        List<PortEntry> ports = new ArrayList<>(base.ports());
        PortEntry p = ports.get(WEB1);
        ports.set(WEB1, new PortEntry(p.name(), p.vni(), p.mac(), p.ip(), p.subnet(), p.gateway(), p.security(), p.dhcp(), false, PortEntry.Qos.NONE,
                List.of(new Mirror("tenant-a/capture", TAP_VNI, inbound, outbound, ip("10.1.2.5"), 4789))));
        return new ForwardingTables(new TableSnapshot(1, ports, base.mappings(), base.networks()), HOST_A);
    }

    @Test
    void whatAVmSendsAndReceivesIsCopiedToTheCollectorInVxlanAndTheOriginalGoesOnUntouched() {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables t = tables(true, true); ForwardingTables plain = Frames.tables(1)) {
            Pipeline pipeline = new Pipeline(1024);
            byte[] sent = ping(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 7);
            batch.add(sent, WEB1);
            pipeline.process(batch, t);
            byte[] encapsulated = batch.frame(0);
            assertThat(batch.verdict[0]).isEqualTo(PacketBatch.TO_UNDERLAY);

            Mirrors mirrors = pipeline.mirrors();
            assertThat(mirrors.batch().count()).isEqualTo(1);
            pipeline.process(mirrors.batch(), t);
            assertThat(mirrors.batch().verdict[0]).isEqualTo(PacketBatch.TO_PORT);
            assertThat(mirrors.batch().outPort[0]).as("to the collector db-2").isEqualTo(DB2);
            byte[] copy = mirrors.batch().frame(0);
            assertThat(mac(copy, 0)).isEqualTo(DB2_MAC);
            assertThat(mac(copy, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
            assertThat(u32(copy, 26)).as("from web-1's gateway").isEqualTo(ip("10.1.1.1"));
            assertThat(u32(copy, 30)).isEqualTo(ip("10.1.2.5"));
            assertThat(checksumOk(copy, 14)).isTrue();
            assertThat(u16(copy, 36)).isEqualTo(4789);
            assertThat(u32(copy, 46) >>> 8).isEqualTo(TAP_VNI);
            assertThat(Arrays.copyOfRange(copy, 50, copy.length)).as("the frame as web-1 sent it").isEqualTo(sent);
            mirrors.clear();

            batch.clear();
            batch.add(sent, WEB1);
            new Pipeline(1024).process(batch, plain);
            assertThat(batch.frame(0)).as("the original is what it is without a tap").isEqualTo(encapsulated);

            batch.clear();
            byte[] received = udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 10);
            int i = batch.add(vxlan(5001, received), PacketBatch.UNDERLAY);
            batch.underlaySource[i] = HOST_B;
            pipeline.process(batch, t);
            assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
            assertThat(mirrors.batch().count()).isEqualTo(1);
            assertThat(Arrays.copyOfRange(mirrors.batch().frame(0), 50, 50 + received.length)).as("the frame as web-1 receives it").isEqualTo(received);
        }
    }

    @Test
    void aUsoFrameThatCrossesWholeIsCopiedToTheCollectorDatagramByDatagram() {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables t = tables(false, true); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            Pipeline pipeline = new Pipeline(1024);
            byte[] uso = dev.weft.fastpath.trace.Probe.frame(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"),
                    dev.weft.fastpath.trace.Probe.Protocol.udp, 40000, 4433, new byte[3 * 1000 + 400]);
            java.lang.foreign.MemorySegment read = arena.allocate(dev.weft.fastpath.io.Segmenter.VNET_HEADER + uso.length);
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(uso), 0, read, dev.weft.fastpath.io.Segmenter.VNET_HEADER, uso.length);
            dev.weft.fastpath.io.GsoRun.udpNetHeader(read, 42, 1000, 34);
            assertThat(dev.weft.fastpath.io.Segmenter.add(read, (int) read.byteSize(), true, batch, WEB1)).as("one GSO frame").isEqualTo(1);
            pipeline.process(batch, t);
            assertThat(batch.gsoSize[0]).as("the original goes on whole").isEqualTo(1000);

            PacketBatch copies = pipeline.mirrors().batch();
            assertThat(copies.count()).as("a copy per datagram").isEqualTo(4);
            for (int k = 0; k < 4; k++) {
                byte[] datagram = Arrays.copyOfRange(copies.frame(k), 50, copies.length[k]);
                int size = k < 3 ? 1000 : 400;
                assertThat(datagram).hasSize(42 + size);
                assertThat(u16(datagram, 16)).as("its own IPv4 length").isEqualTo(28 + size);
                assertThat(u16(datagram, 18)).as("its own identification").isEqualTo((u16(uso, 18) + k) & 0xffff);
                assertThat(u16(datagram, 38)).as("its own UDP length").isEqualTo(8 + size);
                assertThat(Checksums.valid(datagram)).as("datagram %d's checksums", k).isTrue();
            }
        }
    }

    @Test
    void onlyTheTapsDirectionIsCopiedAndACopyWithNoRoomIsLostNotTheOriginal() {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables t = tables(false, true)) {
            Pipeline pipeline = new Pipeline(1024);
            int i = batch.add(vxlan(5001, udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 10)), PacketBatch.UNDERLAY);
            batch.underlaySource[i] = HOST_B;
            pipeline.process(batch, t);
            assertThat(pipeline.mirrors().batch().count()).as("an outbound tap doesn't copy what web-1 receives").isZero();
            for (int round = 0; round < 2; round++) { // 512 frames sent, copies never taken away: the second 256 find no room
                batch.clear();
                for (int k = 0; k < PacketBatch.CAPACITY; k++) {
                    batch.add(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000 + k, 53, 10), WEB1);
                }
                pipeline.process(batch, t);
                for (int k = 0; k < PacketBatch.CAPACITY; k++) {
                    assertThat(batch.verdict[k]).isEqualTo(PacketBatch.TO_UNDERLAY);
                }
            }
            assertThat(pipeline.mirrors().copied).isEqualTo(256);
            assertThat(pipeline.mirrors().lost).isEqualTo(256);
        }
    }
}

package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.u16;
import static dev.weft.fastpath.Frames.u32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.GsoRun;
import dev.weft.fastpath.io.Segmenter;
import dev.weft.fastpath.io.VhostPort;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import java.lang.foreign.MemorySegment;
import dev.weft.fastpath.vhost.SyntheticGuest;
import dev.weft.fastpath.vhost.VhostUser;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checksum and segmentation offload on a vhost-user port: a guest that negotiated VIRTIO_NET_F_CSUM and HOST_TSO4 hands over
 * a 64 kB TCP segment with a partial checksum, as Linux does; the port cuts it into MSS-sized frames with their own
 * headers and complete checksums, carrying the same bytes. A malformed offload header is a counted drop. Toward the guest,
 * one that negotiated GUEST_TSO4 gets a run of one TCP flow's segments as one frame, spread over its mergeable receive
 * buffers; one that didn't gets the segments one by one.
 */
class VhostPortOffloadTest {

    @TempDir
    Path dir;

    static VhostPort ready(Path socket) throws Exception {
        return new VhostPort(socket, () -> { });
    }

    static void awaitReady(VhostPort port) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!port.ready() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(port.ready()).isTrue();
    }

    /** Ethernet/IPv4/TCP from web-1 to web-2 with {@code payload} bytes, the TCP checksum field holding only the pseudo-header sum. */
    static byte[] bigSegment(int payload) {
        byte[] withHeader = SegmenterTest.tsoFrame(payload, 1448, 0x08, 1);
        return Arrays.copyOfRange(withHeader, 10, withHeader.length);
    }

    @Test
    void a64kBSegmentFromTheGuestStaysOneFrameInGuestMemoryAndIsCutIntoMssSizedFramesWithCompleteChecksums() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            awaitReady(port);
            assertThat(guest.features() & (VhostUser.CSUM | VhostUser.HOST_TSO4)).as("offloads agreed").isEqualTo(VhostUser.CSUM | VhostUser.HOST_TSO4);
            byte[] segment = bigSegment(65_000);
            assertThat(guest.sendSegmented(segment, 1448)).isTrue();
            assertThat(port.receive(batch, 3, PacketBatch.CAPACITY)).as("one frame from the guest").isEqualTo(1);
            assertThat(batch.count()).as("it crosses the graph as one GSO frame").isEqualTo(1);
            assertThat(batch.gsoSize[0]).isEqualTo(1448);
            assertThat(batch.inline(0)).as("its headers in the slot, its payload in guest memory").isEqualTo(54);
            int first = batch.cut(0, 0); // where it must leave as segments
            assertThat(batch.count() - first).isEqualTo(45); // 44 × 1448 + 1288
            byte[] carried = new byte[65_000];
            int at = 0;
            for (int i = first; i < batch.count(); i++) {
                byte[] f = batch.frame(i);
                assertThat(batch.inPort[i]).isEqualTo(3);
                assertThat(f.length).isLessThanOrEqualTo(14 + 20 + 20 + 1448);
                assertThat(Frames.checksumOk(f, 14)).isTrue();
                assertThat(SegmenterTest.tcpChecksumOk(f)).as("segment %d's TCP checksum", i).isTrue();
                assertThat(u32(f, 38)).isEqualTo(1_000_000 + at);
                System.arraycopy(f, 54, carried, at, f.length - 54);
                at += f.length - 54;
            }
            assertThat(at).isEqualTo(65_000);
            assertThat(carried).isEqualTo(Arrays.copyOfRange(segment, 54, segment.length));
            assertThat(batch.tail[first]).as("the segments refer to their payload in guest memory, not copied").isNotNull();
            assertThat(guest.taken()).as("the guest's buffer stays the port's while the batch refers to it").isZero();
            port.release();
            assertThat(guest.taken()).as("the guest's buffer is returned once the batch has gone").isEqualTo(1);
        }
    }

    @Test
    void aGuestsUsoFrameCrossesAsOneFrameAndIsCutIntoItsDatagramsWithCompleteChecksumsEvenWhenThereAreMoreThanATcpFramesSegments() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            awaitReady(port);
            assertThat(guest.features() & VhostUser.HOST_USO).as("USO agreed").isEqualTo(VhostUser.HOST_USO);
            byte[] uso = SegmenterTest.usoFrame(100 * 500, 500, 5, 17);
            byte[] frame = Arrays.copyOfRange(uso, 10, uso.length);
            for (int i = 0; i < 3; i++) {
                assertThat(guest.sendSegmented(frame, 500)).isTrue();
            }
            assertThat(port.receive(batch, 3, PacketBatch.CAPACITY)).as("two frames: a batch has room for the datagrams of two").isEqualTo(2);
            assertThat(batch.count()).as("each one GSO frame, its payload in guest memory").isEqualTo(2);
            assertThat(batch.gsoSize[0]).isEqualTo(500);
            assertThat(batch.inline(0)).isEqualTo(42);
            int first = batch.cut(0, 0); // where it must leave as datagrams
            assertThat(batch.count() - first).isEqualTo(100);
            for (int k = 0; k < 100; k++) {
                byte[] d = batch.frame(first + k);
                assertThat(d.length).isEqualTo(42 + 500);
                assertThat(u16(d, 38)).as("UDP length").isEqualTo(508);
                assertThat(u16(d, 18)).as("IPv4 identification").isEqualTo((u16(frame, 18) + k) & 0xffff);
                assertThat(Checksums.valid(d)).as("datagram %d's checksums", k).isTrue();
                assertThat(Arrays.copyOfRange(d, 42, d.length)).isEqualTo(Arrays.copyOfRange(frame, 42 + 500 * k, 42 + 500 * (k + 1)));
            }
            port.release();
            batch.clear();
            assertThat(port.receive(batch, 3, PacketBatch.CAPACITY)).as("the third, in a fresh batch").isEqualTo(1);
            assertThat(batch.segments(0)).isEqualTo(100);
        }
    }

    /** The segments of a {@code payload}-byte TCP segment, as Segmenter cut them, in a batch, parsed and bound for port 0. */
    static PacketBatch segments(int payload) {
        PacketBatch batch = new PacketBatch();
        byte[] tso = SegmenterTest.tsoFrame(payload, 1448, 0x08, 1);
        Segmenter.add(MemorySegment.ofArray(tso), tso.length, batch, 1);
        for (int i = 0; i < batch.count(); i++) {
            bound(batch, i);
        }
        return batch;
    }

    static void bound(PacketBatch batch, int i) {
        Parser.parse(batch, i);
        batch.verdict[i] = PacketBatch.TO_PORT;
        batch.outPort[i] = 0;
    }

    static int le16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    /** 20 datagrams of one UDP flow, 1,000 bytes each, as Segmenter cut them from a VM's USO frame, parsed and bound for port 0. */
    static PacketBatch datagrams() {
        PacketBatch batch = new PacketBatch();
        byte[] uso = SegmenterTest.usoFrame(20 * 1000, 1000, 5, 17);
        Segmenter.add(MemorySegment.ofArray(uso), uso.length, batch, 1);
        for (int i = 0; i < batch.count(); i++) {
            bound(batch, i);
        }
        return batch;
    }

    @Test
    void aRunOfDatagramsReachesAGuestWithGuestUsoAsOneFrameAndOneWithoutItOneByOne() throws Exception {
        Path socket = dir.resolve("tenant-a_web-4.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = datagrams()) {
            awaitReady(port);
            assertThat(port.takesUdpRuns()).as("GUEST_USO4 with GUEST_CSUM agreed").isTrue();
            int[] run = new int[GsoRun.MAX_RUN];
            assertThat(GsoRun.form(batch, 0, batch.count(), run, true)).isEqualTo(20);
            assertThat(port.sendRun(batch, run, 0, 20)).isTrue();
            port.flush();
            SyntheticGuest.Received r = guest.receiveWithHeader();
            assertThat(r).isNotNull();
            assertThat(r.header()[1]).as("GSO_UDP_L4").isEqualTo((byte) 5);
            assertThat(le16(r.header(), 4)).as("gso_size: the datagrams' payload").isEqualTo(1000);
            assertThat(le16(r.header(), 8)).as("csum_offset: UDP's").isEqualTo(6);
            byte[] f = r.frame();
            assertThat(f).hasSize(42 + 20_000);
            assertThat(u16(f, 38)).as("UDP length of the whole run").isEqualTo(8 + 20_000);
            byte[] uso = SegmenterTest.usoFrame(20 * 1000, 1000, 5, 17);
            assertThat(Arrays.copyOfRange(f, 42, f.length)).isEqualTo(Arrays.copyOfRange(uso, 10 + 42, uso.length));
            assertThat(guest.receive()).as("nothing more").isNull();
            assertThat(port.coalescedFrames).isEqualTo(1);
        }
        Path other = dir.resolve("tenant-a_web-5.sock");
        try (VhostPort port = ready(other); SyntheticGuest guest = new SyntheticGuest(other, VhostUser.FEATURES & ~VhostUser.GUEST_USO);
             PacketBatch batch = datagrams()) {
            awaitReady(port);
            assertThat(port.takesUdpRuns()).isFalse();
            int[] run = new int[GsoRun.MAX_RUN];
            int length = GsoRun.form(batch, 0, batch.count(), run, true);
            assertThat(port.sendRun(batch, run, 0, length)).isTrue();
            port.flush();
            for (int k = 0; k < 20; k++) {
                assertThat(guest.receive()).as("datagram %d alone", k).hasSize(42 + 1000);
            }
            assertThat(port.coalescedFrames).isZero();
        }
    }

    @Test
    void aRunOfSegmentsReachesAGuestWithGuestTsoAsOneFrameOverSeveralBuffers() throws Exception {
        Path socket = dir.resolve("tenant-a_web-3.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = segments(60_000)) {
            awaitReady(port);
            long wanted = VhostUser.GUEST_CSUM | VhostUser.GUEST_TSO4 | VhostUser.MRG_RXBUF;
            assertThat(guest.features() & wanted).as("guest offloads and mergeable buffers agreed").isEqualTo(wanted);
            int[] run = new int[GsoRun.MAX_RUN];
            int length = GsoRun.form(batch, 0, run);
            assertThat(length).as("every segment in one run").isEqualTo(batch.count()).isEqualTo(42);
            assertThat(port.sendRun(batch, run, 0, length)).isTrue();
            port.flush();
            SyntheticGuest.Received r = guest.receiveWithHeader();
            assertThat(r).isNotNull();
            assertThat(r.header()[0]).as("NEEDS_CSUM").isEqualTo((byte) 1);
            assertThat(r.header()[1]).as("GSO_TCPV4").isEqualTo((byte) 1);
            assertThat(le16(r.header(), 2)).as("hdr_len").isEqualTo(54);
            assertThat(le16(r.header(), 4)).as("gso_size: the MSS").isEqualTo(1448);
            assertThat(le16(r.header(), 6)).as("csum_start").isEqualTo(34);
            int rx = SyntheticGuest.RX_BUFFER;
            assertThat(le16(r.header(), 10)).as("num_buffers: the guest's receive buffers it filled").isEqualTo((12 + 54 + 60_000 + rx - 1) / rx);
            byte[] f = r.frame();
            assertThat(f).hasSize(54 + 60_000);
            assertThat(u16(f, 16)).as("IPv4 total length of the whole run").isEqualTo(40 + 60_000);
            assertThat(Frames.checksumOk(f, 14)).isTrue();
            assertThat(u32(f, 38)).as("the first segment's sequence number").isEqualTo(1_000_000);
            assertThat(f[47] & 0xff).as("ACK, and PSH from the last segment").isEqualTo(0x18);
            byte[] tso = SegmenterTest.tsoFrame(60_000, 1448, 0x08, 1);
            assertThat(Arrays.copyOfRange(f, 54, f.length)).isEqualTo(Arrays.copyOfRange(tso, 10 + 54, tso.length));
            assertThat(guest.receive()).as("one frame, not 42").isNull();
            assertThat(port.coalescedFrames).isEqualTo(1);
            assertThat(port.coalesced).isEqualTo(42);

            try (PacketBatch udp = new PacketBatch()) {
                for (int k = 0; k < 5; k++) {
                    udp.add(Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 7, 8, k < 4 ? 100 : 30), 1);
                    bound(udp, k);
                }
                assertThat(GsoRun.form(udp, 0, run)).as("UDP datagrams go one by one to a guest (it has no USO)").isEqualTo(1);
            }
        }
    }

    @Test
    void aGuestsUsoFrameReachesAGuestWithGuestUsoOnTheSameHostAsOneFrame() throws Exception {
        try (VhostPort from = ready(dir.resolve("tenant-a_web-1.sock")); VhostPort to = ready(dir.resolve("tenant-a_web-2.sock"));
             SyntheticGuest sender = new SyntheticGuest(dir.resolve("tenant-a_web-1.sock"));
             SyntheticGuest receiver = new SyntheticGuest(dir.resolve("tenant-a_web-2.sock"));
             PacketBatch batch = new PacketBatch()) {
            awaitReady(from);
            awaitReady(to);
            byte[] uso = SegmenterTest.usoFrame(20 * 1000, 1000, 5, 17);
            byte[] frame = Arrays.copyOfRange(uso, 10, uso.length);
            assertThat(sender.sendSegmented(frame, 1000)).isTrue();
            assertThat(from.receive(batch, 1, PacketBatch.CAPACITY)).isEqualTo(1);
            assertThat(batch.count()).as("one GSO frame, its payload in web-1's memory").isEqualTo(1);
            bound(batch, 0);
            int[] run = new int[GsoRun.MAX_RUN];
            assertThat(GsoRun.form(batch, 0, batch.count(), run, true)).as("a GSO frame is one unit").isEqualTo(1);
            assertThat(to.takesUdpRuns()).isTrue();
            assertThat(to.sendRun(batch, run, 0, 1)).isTrue();
            to.flush();
            SyntheticGuest.Received r = receiver.receiveWithHeader();
            assertThat(r.header()[1]).as("GSO_UDP_L4").isEqualTo((byte) 5);
            assertThat(le16(r.header(), 4)).as("gso_size: the sender's datagram size").isEqualTo(1000);
            assertThat(le16(r.header(), 8)).as("csum_offset: UDP's").isEqualTo(6);
            byte[] f = r.frame();
            assertThat(u16(f, 38)).as("UDP length of the whole send").isEqualTo(8 + 20_000);
            assertThat(Arrays.copyOfRange(f, 42, f.length)).isEqualTo(Arrays.copyOfRange(frame, 42, frame.length));
            assertThat(receiver.receive()).as("nothing more").isNull();
        }
    }

    /**
     * Guest to guest on one host: the segments cut from web-1's 64 kB frame refer to their payload in web-1's memory, and
     * reach web-2 (guest TSO) as one frame and web-3 (no guest offloads) segment by segment, each byte copied once, from
     * one guest's memory to the other's; web-1 gets its buffer back only after that.
     */
    @Test
    void guestToGuestOnOneHostCopiesThePayloadOnceFromMemoryToMemory() throws Exception {
        try (VhostPort from = ready(dir.resolve("tenant-a_web-1.sock")); VhostPort to = ready(dir.resolve("tenant-a_web-2.sock"));
             VhostPort plain = ready(dir.resolve("tenant-a_web-3.sock"));
             SyntheticGuest sender = new SyntheticGuest(dir.resolve("tenant-a_web-1.sock"));
             SyntheticGuest receiver = new SyntheticGuest(dir.resolve("tenant-a_web-2.sock"));
             SyntheticGuest old = new SyntheticGuest(dir.resolve("tenant-a_web-3.sock"), VhostUser.FEATURES & ~VhostUser.GUEST_OFFLOADS);
             PacketBatch batch = new PacketBatch()) {
            awaitReady(from);
            awaitReady(to);
            awaitReady(plain);
            byte[] segment = bigSegment(60_000);
            assertThat(sender.sendSegmented(segment, 1448)).isTrue();
            assertThat(from.receive(batch, 1, PacketBatch.CAPACITY)).isEqualTo(1);
            assertThat(batch.count()).isEqualTo(1);
            bound(batch, 0);
            assertThat(batch.gsoSize[0]).isEqualTo(1448);
            assertThat(batch.tail[0]).as("its payload refers to web-1's memory").isNotNull();
            assertThat(batch.inline(0)).as("only its headers are in the slot").isEqualTo(54);
            int[] run = new int[GsoRun.MAX_RUN];
            assertThat(GsoRun.form(batch, 0, run)).as("a GSO frame is one unit").isEqualTo(1);
            assertThat(to.takesGso()).isTrue();
            assertThat(to.sendRun(batch, run, 0, 1)).isTrue();
            assertThat(plain.takesGso()).isFalse();
            int first = batch.cut(0, 0); // for the guest without offloads its segments, as the worker cuts them
            for (int i = first; i < batch.count(); i++) {
                assertThat(plain.send(batch, i)).isTrue();
            }
            to.flush();
            plain.flush();
            from.release();
            assertThat(sender.taken()).as("web-1's buffer back once the batch has gone").isEqualTo(1);
            byte[] f = receiver.receiveWithHeader().frame();
            assertThat(Arrays.copyOfRange(f, 54, f.length)).isEqualTo(Arrays.copyOfRange(segment, 54, segment.length));
            int at = 54;
            for (int k = 0; k < 42; k++) {
                byte[] one = old.receiveWithHeader().frame();
                assertThat(SegmenterTest.tcpChecksumOk(one)).isTrue();
                assertThat(Arrays.copyOfRange(one, 54, one.length)).isEqualTo(Arrays.copyOfRange(segment, at, at + one.length - 54));
                at += one.length - 54;
            }
            assertThat(at).isEqualTo(segment.length);
        }
    }

    @Test
    void aGuestWithoutGuestOffloadsGetsTheSegmentsOneByOne() throws Exception {
        Path socket = dir.resolve("tenant-a_web-4.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket, VhostUser.FEATURES & ~VhostUser.GUEST_OFFLOADS);
             PacketBatch batch = segments(60_000)) {
            awaitReady(port);
            int[] run = new int[GsoRun.MAX_RUN];
            int length = GsoRun.form(batch, 0, run);
            assertThat(port.sendRun(batch, run, 0, length)).isTrue();
            for (int k = 0; k < 42; k++) {
                SyntheticGuest.Received r = guest.receiveWithHeader();
                assertThat(r.header()[1]).as("no GSO").isZero();
                assertThat(r.frame().length).isLessThanOrEqualTo(54 + 1448);
                assertThat(SegmenterTest.tcpChecksumOk(r.frame())).isTrue();
            }
            assertThat(guest.receive()).isNull();
            assertThat(port.coalescedFrames).isZero();
        }
    }

    @Test
    void aRunThatFindsTooFewBuffersSendsTheSegmentsThatFitAndCountsTheRest() throws Exception {
        Path socket = dir.resolve("tenant-a_web-5.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = segments(60_000)) {
            awaitReady(port);
            int[] run = new int[GsoRun.MAX_RUN];
            int length = GsoRun.form(batch, 0, run);
            int rx = SyntheticGuest.RX_BUFFER;
            int buffers = (12 + 54 + 60_000 + rx - 1) / rx;
            int fit = SyntheticGuest.QUEUE_SIZE / buffers; // 256 buffers of 4 kB: 17 such frames, one buffer left
            for (int k = 0; k < fit; k++) {
                assertThat(port.sendRun(batch, run, 0, length)).isTrue();
            }
            int free = SyntheticGuest.QUEUE_SIZE - fit * buffers;
            int first = (free * rx - 12 - 54) / 1448; // the segments the last buffers hold: 2
            assertThat(port.sendRun(batch, run, 0, length)).as("room for part of the run only").isFalse();
            assertThat(port.noBuffer).as("the segments that found no room, counted").isEqualTo(length - first);
            for (int k = 0; k < fit; k++) {
                assertThat(guest.receiveWithHeader().frame()).hasSize(54 + 60_000);
            }
            SyntheticGuest.Received part = guest.receiveWithHeader();
            assertThat(part.frame()).as("the first segments, as one frame, in the buffers left").hasSize(54 + first * 1448);
            assertThat(u16(part.frame(), 16)).isEqualTo(40 + first * 1448);
            assertThat(le16(part.header(), 4)).isEqualTo(1448);
            assertThat(guest.receive()).as("nothing else, nothing half written").isNull();
            assertThat(port.sendRun(batch, run, 0, length)).as("with its buffers posted again the guest takes a whole run").isTrue();
            assertThat(guest.receiveWithHeader().frame()).hasSize(54 + 60_000);
        }
    }

    @Test
    void aGsoFrameThatFindsTooFewBuffersIsCutAndTheSegmentsThatFitGo() throws Exception {
        Path socket = dir.resolve("tenant-a_web-6.sock");
        byte[] tso = SegmenterTest.tsoFrame(60_000, 1448, 0x08, 1);
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch();
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            awaitReady(port);
            MemorySegment read = arena.allocate(tso.length);
            MemorySegment.copy(MemorySegment.ofArray(tso), 0, read, 0, tso.length);
            int rx = SyntheticGuest.RX_BUFFER;
            int buffers = (12 + 54 + 60_000 + rx - 1) / rx;
            int fit = SyntheticGuest.QUEUE_SIZE / buffers;
            int[] run = {0};
            for (int k = 0; k < fit; k++) { // the guest's buffers taken by whole GSO frames but for a few
                batch.clear();
                assertThat(Segmenter.add(read, tso.length, true, batch, 1)).isEqualTo(1);
                bound(batch, 0);
                assertThat(port.sendRun(batch, run, 0, 1)).isTrue();
            }
            batch.clear();
            Segmenter.add(read, tso.length, true, batch, 1);
            bound(batch, 0);
            assertThat(batch.gsoSize[0]).isEqualTo(1448);
            int free = SyntheticGuest.QUEUE_SIZE - fit * buffers;
            int first = (free * rx - 12 - 54) / 1448; // the segments the last buffers hold
            assertThat(port.sendRun(batch, run, 0, 1)).as("room for part of the frame only").isFalse();
            assertThat(port.noBuffer).as("the segments that found no room, counted; not the whole frame").isEqualTo(42 - first);
            for (int k = 0; k < fit; k++) {
                assertThat(guest.receiveWithHeader().frame()).hasSize(54 + 60_000);
            }
            SyntheticGuest.Received part = guest.receiveWithHeader();
            assertThat(part.frame()).as("its first segments, as one frame, in the buffers left").hasSize(54 + first * 1448);
            assertThat(Arrays.copyOfRange(part.frame(), 54, part.frame().length)).isEqualTo(Arrays.copyOfRange(tso, 10 + 54, 10 + 54 + first * 1448));
            assertThat(guest.receive()).as("nothing else, nothing half written").isNull();
        }
    }

    @Test
    void aMalformedOffloadHeaderIsACountedDrop() throws Exception {
        Path socket = dir.resolve("tenant-a_web-2.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            awaitReady(port);
            byte[] echo = Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 7);
            assertThat(guest.sendSegmented(echo, 1448)).isTrue(); // TCPv4 segmentation asked of an ICMP echo
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isZero();
            assertThat(batch.count()).isZero();
            assertThat(port.malformed).isEqualTo(1);
            assertThat(u16(echo, 12)).isEqualTo(0x0800);
            assertThat(guest.send(Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1, 2, 1958)))
                    .isTrue(); // 2,000 bytes: a guest whose MTU is above DHCP's
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isZero();
            assertThat(port.tooLong).as("counted as too long, not malformed").isEqualTo(1);
            assertThat(port.malformed).isEqualTo(1);
            byte[] ping = Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1);
            assertThat(guest.send(ping)).isTrue();
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).as("the next frame goes through").isEqualTo(1);
            assertThat(batch.frame(0)).isEqualTo(ping);
        }
    }
}

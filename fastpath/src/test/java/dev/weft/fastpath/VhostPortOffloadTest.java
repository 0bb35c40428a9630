package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.u16;
import static dev.weft.fastpath.Frames.u32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.VhostPort;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.vhost.SyntheticGuest;
import dev.weft.fastpath.vhost.VhostUser;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checksum and segmentation offload on a vhost-user port: a guest that negotiated VIRTIO_NET_F_CSUM and HOST_TSO4 hands over
 * a 64 kB TCP segment with a partial checksum, as Linux does; the port cuts it into MSS-sized frames with their own
 * headers and complete checksums, carrying the same bytes. A malformed offload header is a counted drop.
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
    void a64kBSegmentFromTheGuestBecomesMssSizedFramesWithCompleteChecksums() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            awaitReady(port);
            assertThat(guest.features() & (VhostUser.CSUM | VhostUser.HOST_TSO4)).as("offloads agreed").isEqualTo(VhostUser.CSUM | VhostUser.HOST_TSO4);
            byte[] segment = bigSegment(65_000);
            assertThat(guest.sendSegmented(segment, 1448)).isTrue();
            assertThat(port.receive(batch, 3, PacketBatch.CAPACITY)).as("one frame from the guest").isEqualTo(1);
            assertThat(batch.count()).isEqualTo(45); // 44 × 1448 + 1288
            byte[] carried = new byte[65_000];
            int at = 0;
            for (int i = 0; i < batch.count(); i++) {
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
            assertThat(port.segments).isEqualTo(45);
            assertThat(guest.taken()).as("the guest's buffer is returned").isEqualTo(1);
        }
    }

    @Test
    void aMalformedOffloadHeaderIsACountedDrop() throws Exception {
        Path socket = dir.resolve("tenant-a_web-2.sock");
        try (VhostPort port = ready(socket); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            awaitReady(port);
            byte[] udp = Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1, 2, 3000);
            assertThat(guest.sendSegmented(udp, 1448)).isTrue(); // TCPv4 segmentation asked of a UDP datagram
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isZero();
            assertThat(batch.count()).isZero();
            assertThat(port.malformed).isEqualTo(1);
            assertThat(u16(udp, 12)).isEqualTo(0x0800);
            byte[] ping = Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1);
            assertThat(guest.send(ping)).isTrue();
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).as("the next frame goes through").isEqualTo(1);
            assertThat(batch.frame(0)).isEqualTo(ping);
        }
    }
}

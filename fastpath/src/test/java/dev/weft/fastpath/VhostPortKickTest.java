package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.VhostPort;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.vhost.SyntheticGuest;
import java.nio.file.Path;
import dev.weft.fastpath.vhost.VhostUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kicks on a vhost-user port: while the worker finds frames it tells the guest not to kick (it looks every loop anyway);
 * once the queue is empty it asks for kicks again, so the guest's next frame wakes a sleeping worker through the eventfd.
 */
class VhostPortKickTest {

    @TempDir
    Path dir;

    @Test
    void aGuestKicksOnlyWhileThePortIsIdle() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        byte[] ping = Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1);
        try (VhostPort port = new VhostPort(socket, () -> { }); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            VhostPortOffloadTest.awaitReady(port);
            assertThat(port.kick()).as("the worker waits on the guest's kick eventfd").isNotNegative();
            guest.send(ping);
            assertThat(guest.kicks).as("an idle port: the guest kicks").isEqualTo(1);
            assertThat(port.pending()).isTrue();
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(1);
            guest.send(ping);
            guest.send(ping);
            assertThat(guest.kicks).as("a busy port is looked at every loop: no kicks").isEqualTo(1);
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(2);
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).as("empty: kicks wanted again").isZero();
            assertThat(port.pending()).isFalse();
            guest.send(ping);
            assertThat(guest.kicks).isEqualTo(2);
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(1);
        }
    }

    @Test
    void aGuestThatWaitsIsCalledWhenItsBuffersComeBackAndWhenFramesArrive() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        byte[] ping = Frames.ping(0x0200_0a01_0105L, 0x0200_0a01_0104L, Frames.ip("10.1.1.5"), Frames.ip("10.1.1.4"), 1);
        try (VhostPort port = new VhostPort(socket, () -> { }); SyntheticGuest guest = new SyntheticGuest(socket); PacketBatch batch = new PacketBatch()) {
            VhostPortOffloadTest.awaitReady(port);
            assertThat(guest.awaitCall(1, 0)).as("nothing sent yet: no call").isFalse();
            guest.send(ping);
            assertThat(guest.awaitCall(1, 0)).as("the frame not yet taken").isFalse();
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(1);
            assertThat(guest.awaitCall(1, 1000)).as("its buffer came back: called").isTrue();
            assertThat(guest.awaitCall(1, 0)).as("the call was taken").isFalse();

            assertThat(guest.awaitCall(0, 0)).as("nothing received yet").isFalse();
            assertThat(port.send(batch, 0)).isTrue();
            port.flush();
            assertThat(guest.awaitCall(0, 1000)).as("a frame arrived: called").isTrue();
            assertThat(guest.receive()).isEqualTo(ping);
            assertThat(guest.awaitCall(0, 0)).isFalse();
        }
    }

    /**
     * VIRTIO_RING_F_EVENT_IDX against flags: with event indices a guest kicks once for the frames it sends while the worker
     * sleeps (with flags, once per frame until the worker looks), and the worker calls it only when the used index passes
     * where the guest last waited (with flags, after every batch it takes or delivers).
     */
    @ParameterizedTest(name = "event indices {0}")
    @ValueSource(booleans = {true, false})
    void withEventIndicesAGuestKicksOncePerWakeUpAndIsCalledOnlyWhereItWaits(boolean eventIndex) throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        byte[] ping = Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1);
        long features = eventIndex ? VhostUser.FEATURES : VhostUser.FEATURES & ~VhostUser.EVENT_IDX;
        try (VhostPort port = new VhostPort(socket, () -> { }); SyntheticGuest guest = new SyntheticGuest(socket, features);
             PacketBatch batch = new PacketBatch()) {
            VhostPortOffloadTest.awaitReady(port);
            assertThat(guest.features() & VhostUser.EVENT_IDX).isEqualTo(eventIndex ? VhostUser.EVENT_IDX : 0);
            assertThat(port.features()).isEqualTo(guest.features());
            assertThat(VhostUser.featureNames(port.features())).as("what /v1/stats shows").contains("VIRTIO_NET_F_MRG_RXBUF", "VIRTIO_F_VERSION_1")
                    .containsOnlyOnce("VIRTIO_NET_F_GUEST_TSO4").matches(names -> names.contains("VIRTIO_RING_F_EVENT_IDX") == eventIndex);
            for (int k = 0; k < 3; k++) {
                guest.send(ping);
            }
            assertThat(guest.kicks).as("three frames to a sleeping worker").isEqualTo(eventIndex ? 1 : 3);
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(3);
            assertThat(guest.calls(1)).as("the first buffers back").isEqualTo(1);
            assertThat(guest.awaitCall(1, 0)).as("the guest waits: nothing more back").isFalse();
            guest.send(ping);
            guest.send(ping);
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(2);
            assertThat(guest.calls(1)).as("buffers back after the guest waited").isEqualTo(1);
            guest.send(ping);
            guest.send(ping);
            assertThat(port.receive(batch, 0, PacketBatch.CAPACITY)).isEqualTo(2);
            assertThat(guest.calls(1)).as("buffers back while the guest didn't wait").isEqualTo(eventIndex ? 0 : 1);
            assertThat(guest.kicks).as("a busy port: no kicks").isEqualTo(eventIndex ? 1 : 3);

            port.send(batch, 0);
            port.flush();
            assertThat(guest.calls(0)).as("the first frame delivered").isEqualTo(1);
            assertThat(guest.receive()).isEqualTo(ping);
            assertThat(guest.awaitCall(0, 0)).as("the guest waits: nothing more").isFalse();
            port.send(batch, 1);
            port.flush();
            port.send(batch, 2);
            port.flush();
            assertThat(guest.calls(0)).as("two batches, the guest waiting before the first").isEqualTo(eventIndex ? 1 : 2);
            assertThat(guest.receive()).isEqualTo(ping);
            assertThat(guest.receive()).isEqualTo(ping);
            assertThat(guest.awaitCall(0, 0)).as("nothing left, no call pending").isFalse();
            port.send(batch, 3);
            port.flush();
            assertThat(guest.awaitCall(0, 1000)).as("a frame for the waiting guest: called").isTrue();
        }
    }
}

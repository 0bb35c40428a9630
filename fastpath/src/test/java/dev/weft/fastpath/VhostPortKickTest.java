package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.VhostPort;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.vhost.SyntheticGuest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
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
}

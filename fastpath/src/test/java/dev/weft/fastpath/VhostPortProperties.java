package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.VhostPort;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.vhost.SyntheticGuest;
import dev.weft.fastpath.vhost.VhostUser;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/**
 * The vhost-user port fuzzed through the synthetic guest: whatever a guest writes into its descriptor tables and available
 * rings (with event indices or flags), reading its frames and writing frames for it (one by one, or a run coalesced over several buffers) never throws, never hands the pipeline a frame longer than a batch
 * slot or shorter than an Ethernet header, and counts what it refuses.
 */
class VhostPortProperties {

    @Property(tries = 200)
    void whateverAGuestWritesIntoItsRingsThePortNeverThrows(@ForAll @Size(max = 4096) byte[] descriptors, @ForAll @Size(max = 518) byte[] ring,
                                                           @ForAll @Size(max = 4096) byte[] rxDescriptors, @ForAll @Size(max = 518) byte[] rxRing,
                                                           @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 8) int pending,
                                                           @ForAll boolean eventIndex)
            throws Exception {
        Path dir = Files.createTempDirectory("weft-vhost-fuzz");
        Path socket = dir.resolve("fuzz.sock");
        try (VhostPort port = new VhostPort(socket, () -> { }); SyntheticGuest guest = new SyntheticGuest(socket,
                eventIndex ? VhostUser.FEATURES : VhostUser.FEATURES & ~VhostUser.EVENT_IDX);
             PacketBatch batch = new PacketBatch()) {
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (!port.ready() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(port.ready()).isTrue();
            guest.send(Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 1));
            if (pending > 0 && ring.length >= 4) { // an index a few entries on: the random entries and descriptors are parsed
                ring[2] = (byte) pending;
                ring[3] = 0;
            }
            guest.scribble(1, descriptors, ring);
            guest.scribble(0, rxDescriptors, rxRing);
            for (int round = 0; round < 3; round++) {
                batch.clear();
                port.receive(batch, 0, PacketBatch.CAPACITY);
                for (int i = 0; i < batch.count(); i++) {
                    assertThat(batch.length[i]).isBetween(14, PacketBatch.MAX_FRAME);
                }
                if (batch.count() > 0) {
                    port.send(batch, 0);
                    port.flush();
                }
                try (PacketBatch segments = VhostPortOffloadTest.segments(20_000)) { // a coalesced frame over mergeable buffers
                    int[] run = new int[dev.weft.fastpath.io.GsoRun.MAX_RUN];
                    port.sendRun(segments, run, 0, dev.weft.fastpath.io.GsoRun.form(segments, 0, run));
                    port.flush();
                }
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}

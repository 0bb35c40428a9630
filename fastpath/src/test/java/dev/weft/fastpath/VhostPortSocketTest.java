package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.VhostPort;
import dev.weft.fastpath.vhost.SyntheticGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vhost-user port's socket file across an agent's restart: a port that closes removes its socket, but not one that a
 * port started meanwhile on the same path has made (an agent whose successor starts before it has stopped), and it
 * doesn't connect to that path to stop its own accept, which would be the other port's connection.
 */
class VhostPortSocketTest {

    @TempDir
    Path dir;

    @Test
    void aClosedPortRemovesItsSocket() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        VhostPort port = new VhostPort(socket, () -> { });
        assertThat(socket).exists();
        port.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void aPortClosingAfterAnotherTookItsPathLeavesTheOthersSocketAndConnections() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        VhostPort old = new VhostPort(socket, () -> { });
        try (VhostPort successor = new VhostPort(socket, () -> { })) {
            old.close();
            assertThat(socket).as("the successor's socket stays").exists();
            assertThat(successor.connections).as("the old port's close didn't connect to it").isZero();
            try (SyntheticGuest guest = new SyntheticGuest(socket)) {
                VhostPortOffloadTest.awaitReady(successor);
                assertThat(successor.connections).isEqualTo(1);
            }
        }
        assertThat(Files.exists(socket)).isFalse();
    }
}

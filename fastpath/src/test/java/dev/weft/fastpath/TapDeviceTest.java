package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.fastpath.io.NetNamespace;
import dev.weft.fastpath.io.TapDevice;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * TAP devices: opened exclusively (a port never takes over a device that already exists), and a run of one flow's frames
 * written as one segmentation-offload frame reaches the VM's sockets as the same frames. Needs root; in CI it must run.
 */
class TapDeviceTest {

    private static void requireRoot() throws Exception {
        boolean root = "0".equals(Netns.sh("id", "-u").trim());
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(root, "needs root for network namespaces and TAP devices");
        }
    }

    /** In a thread inside namespace {@code ns}. */
    private static void inside(String ns, java.util.concurrent.Callable<Void> work) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                NetNamespace.enter(ns);
                work.call();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        done.get();
    }

    @Test
    void aRunOfUdpDatagramsReachesTheVmAsTheSameDatagrams() throws Exception {
        requireRoot();
        try (Netns netns = new Netns()) {
            String ns = netns.add("uso");
            inside(ns, () -> {
                try (TapDevice tap = TapDevice.open("wftuso0"); PacketBatch batch = new PacketBatch();
                     TapDevice.WriteScratch scratch = new TapDevice.WriteScratch()) {
                    Netns.sh("ip", "-n", ns, "addr", "add", "10.9.0.1/24", "dev", "wftuso0");
                    Netns.sh("ip", "-n", ns, "link", "set", "wftuso0", "up");
                    long vmMac = Long.parseLong(Netns.sh("ip", "-n", ns, "-br", "link", "show", "wftuso0").trim().split("\\s+")[2]
                            .replace(":", ""), 16);
                    try (java.nio.channels.DatagramChannel vm = java.nio.channels.DatagramChannel.open()) {
                        vm.bind(new java.net.InetSocketAddress("10.9.0.1", 5000));
                        int[] sizes = {18, 18, 18, 18, 18, 7}; // equal sizes, the last shorter: one GSO_UDP_L4 frame
                        int[] run = new int[sizes.length];
                        for (int k = 0; k < sizes.length; k++) {
                            byte[] frame = Frames.udp(0x02_00_00_00_00_02L, vmMac, Frames.ip("10.9.0.2"), Frames.ip("10.9.0.1"), 4000, 5000, sizes[k]);
                            frame[14 + 28] = (byte) k; // the datagram's number as its first byte
                            run[k] = batch.add(frame, 0);
                            Parser.parse(batch, run[k]);
                        }
                        assertThat(tap.sendRun(batch, run, 0, run.length, scratch)).isTrue();
                        vm.configureBlocking(false);
                        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(2048);
                        java.util.List<byte[]> received = new java.util.ArrayList<>();
                        long until = System.nanoTime() + 2_000_000_000L;
                        while (received.size() < sizes.length && System.nanoTime() < until) {
                            in.clear();
                            if (vm.receive(in) == null) {
                                Thread.sleep(10);
                                continue;
                            }
                            received.add(java.util.Arrays.copyOf(in.array(), in.position()));
                        }
                        assertThat(received).as("one datagram per frame of the run, in order, each its own size").hasSize(sizes.length);
                        for (int k = 0; k < sizes.length; k++) {
                            assertThat(received.get(k)).hasSize(sizes[k]);
                            assertThat(received.get(k)[0]).isEqualTo((byte) k);
                            assertThat(received.get(k)[sizes[k] - 1]).isEqualTo((byte) (sizes[k] - 1));
                        }
                    }
                }
                return null;
            });
        }
    }

    @Test
    void anExistingDeviceIsNeverTakenOver() throws Exception {
        requireRoot();
        try (Netns netns = new Netns()) {
            String ns = netns.add("tap");
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    NetNamespace.enter(ns);
                    try (TapDevice first = TapDevice.open("wftexcl0")) {
                        assertThat(first.name()).isEqualTo("wftexcl0");
                        assertThatThrownBy(() -> TapDevice.open("wftexcl0")).hasMessageContaining("TUNSETIFF wftexcl0")
                                .hasMessageContaining("busy");
                    }
                    java.util.List<TapDevice> queues = TapDevice.openQueues("wftmq0", 2); // a queue per worker
                    try {
                        assertThat(queues).hasSize(2).allSatisfy(q -> assertThat(q.name()).isEqualTo("wftmq0"));
                        assertThat(queues.get(0).fd()).isNotEqualTo(queues.get(1).fd());
                        assertThatThrownBy(() -> TapDevice.openQueues("wftmq0", 2)).as("a multi-queue device isn't taken over either")
                                .hasMessageContaining("busy");
                    } finally {
                        queues.forEach(TapDevice::close);
                    }
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
            done.get();
        }
    }
}

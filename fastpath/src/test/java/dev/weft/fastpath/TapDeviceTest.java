package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.fastpath.io.NetNamespace;
import dev.weft.fastpath.io.TapDevice;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * TAP devices are opened exclusively: a port never takes over a device that already exists; frames a worker queues for a
 * VM on its io_uring reach the VM in order. Needs root; in CI it must run.
 */
class TapDeviceTest {

    static void requireRoot() throws Exception {
        boolean root = "0".equals(Netns.sh("id", "-u").trim());
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(root, "needs root for network namespaces and TAP devices");
        }
    }

    @Test
    void framesQueuedOnTheRingReachTheVmWholeAndInOrder() throws Exception {
        requireRoot();
        try (Netns netns = new Netns()) {
            String ns = netns.add("ring");
            CompletableFuture<java.util.List<Integer>> got = new CompletableFuture<>();
            java.util.List<Boolean> outcomes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Thread.ofPlatform().start(() -> {
                try {
                    NetNamespace.enter(ns);
                    try (TapDevice tap = TapDevice.open("wftring0");
                         dev.weft.fastpath.io.IoRing ring = dev.weft.fastpath.io.IoRing.open(8); // fewer entries than frames: it submits on the way
                         dev.weft.fastpath.packet.PacketBatch batch = new dev.weft.fastpath.packet.PacketBatch();
                         java.nio.channels.DatagramChannel vm = java.nio.channels.DatagramChannel.open()) {
                        Netns.exec(ns, "sysctl", "-q", "-w", "net.ipv6.conf.wftring0.disable_ipv6=1"); // the VM says nothing unasked
                        Netns.exec(ns, "ip", "addr", "add", "10.9.9.1/24", "dev", "wftring0");
                        Netns.exec(ns, "ip", "link", "set", "wftring0", "up");
                        String link = Netns.exec(ns, "ip", "-o", "link", "show", "wftring0");
                        long mac = Long.parseLong(link.replaceAll("(?s).*link/ether ([0-9a-f:]+).*", "$1").replace(":", "").trim(), 16);
                        vm.bind(new java.net.InetSocketAddress("10.9.9.1", 5555));
                        vm.socket().setSoTimeout(3000);
                        dev.weft.fastpath.io.IoRing.Outcome outcome = (owner, result, whole) -> outcomes.add(whole);
                        for (int k = 0; k < 20; k++) {
                            byte[] frame = Frames.udp(0x0200_0a09_0902L, mac, Frames.ip("10.9.9.2"), Frames.ip("10.9.9.1"), 4000, 5555, 4);
                            java.nio.ByteBuffer.wrap(frame).putInt(42, k); // the payload: its place in the sequence
                            int i = batch.add(frame, 0);
                            assertThat(TapDevice.queueable(batch, i)).isTrue();
                            tap.queue(batch, i, ring, k, outcome);
                        }
                        ring.submit();
                        assertThat(ring.counts()).as("20 writes with three system calls: 8 when the ring filled, 8 again, the last 4")
                                .isEqualTo(new dev.weft.fastpath.io.IoRing.Counts(3, 20, 0));
                        ring.write(-1, batch.memory(), 0, 64, "nowhere", outcome); // a descriptor that isn't one: reported, nothing else
                        assertThat(ring.submit()).isZero();
                        int[] result = new int[1];
                        ring.read(tap.fd(), batch.memory(), 0, 2048, "empty", (owner, r, whole) -> result[0] = r);
                        ring.submit(); // the VM sent nothing: at once, not when it does
                        assertThat(result[0]).as("-EAGAIN").isEqualTo(-11);
                        java.util.List<Integer> order = new java.util.ArrayList<>();
                        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(64);
                        vm.configureBlocking(true);
                        for (int k = 0; k < 20; k++) {
                            in.clear();
                            vm.receive(in);
                            order.add(in.flip().getInt());
                        }
                        got.complete(order);
                    }
                } catch (Throwable e) {
                    got.completeExceptionally(e);
                }
            });
            assertThat(got.get(20, java.util.concurrent.TimeUnit.SECONDS)).as("the datagrams the VM received, in order")
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
            assertThat(outcomes).hasSize(21).containsOnly(true, false).endsWith(false).filteredOn(ok -> ok).hasSize(20);
        }
    }

    /**
     * A run of one UDP flow's datagrams written as one USO frame: the VM's socket gets the very datagrams, in order; one with
     * a wrong checksum ends the run, goes alone, and the VM's kernel drops it as it would have.
     */
    @Test
    void aRunOfUdpDatagramsReachesTheVmsSocketAsTheVeryDatagrams() throws Exception {
        requireRoot();
        try (Netns netns = new Netns()) {
            String ns = netns.add("uso");
            CompletableFuture<java.util.List<String>> got = new CompletableFuture<>();
            long[] counts = new long[2];
            Thread.ofPlatform().start(() -> {
                try {
                    NetNamespace.enter(ns);
                    try (TapDevice tap = TapDevice.open("wftuso0");
                         TapDevice.WriteScratch scratch = new TapDevice.WriteScratch();
                         dev.weft.fastpath.packet.PacketBatch batch = new dev.weft.fastpath.packet.PacketBatch();
                         java.nio.channels.DatagramChannel vm = java.nio.channels.DatagramChannel.open()) {
                        assertThat(tap.udpRuns()).as("Linux 6.2 or later takes USO frames on a TAP device").isTrue();
                        Netns.exec(ns, "sysctl", "-q", "-w", "net.ipv6.conf.wftuso0.disable_ipv6=1");
                        Netns.exec(ns, "ip", "addr", "add", "10.9.9.1/24", "dev", "wftuso0");
                        Netns.exec(ns, "ip", "link", "set", "wftuso0", "up");
                        String link = Netns.exec(ns, "ip", "-o", "link", "show", "wftuso0");
                        long mac = Long.parseLong(link.replaceAll("(?s).*link/ether ([0-9a-f:]+).*", "$1").replace(":", "").trim(), 16);
                        vm.bind(new java.net.InetSocketAddress("10.9.9.1", 5555));
                        for (int k = 0; k < 40; k++) {
                            byte[] frame = Frames.udp(0x0200_0a09_0902L, mac, Frames.ip("10.9.9.2"), Frames.ip("10.9.9.1"), 4000, 5555, k < 39 ? 200 : 77);
                            java.nio.ByteBuffer.wrap(frame).putInt(42, k); // the payload starts with its place in the sequence
                            int i = batch.add(Checksums.withL4(frame), 0);
                            VhostPortOffloadTest.bound(batch, i);
                        }
                        UdpRunTest.corrupt(batch, 30);
                        int[] run = new int[dev.weft.fastpath.io.GsoRun.MAX_RUN];
                        java.util.List<Integer> runs = new java.util.ArrayList<>();
                        for (int i = 0; i < batch.count(); ) {
                            int n = dev.weft.fastpath.io.GsoRun.form(batch, i, batch.count(), run, tap.udpRuns());
                            runs.add(n);
                            assertThat(tap.sendRun(batch, run, 0, n, scratch)).isTrue();
                            i += n;
                        }
                        assertThat(runs).as("30, the damaged one alone, the other 9 (the last shorter)").containsExactly(30, 1, 9);
                        counts[0] = tap.coalescedFrames;
                        counts[1] = tap.coalesced;
                        java.util.List<String> datagrams = new java.util.ArrayList<>();
                        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(2048);
                        vm.configureBlocking(false);
                        long deadline = System.nanoTime() + 3_000_000_000L;
                        while (datagrams.size() < 39 && System.nanoTime() < deadline) {
                            in.clear();
                            if (vm.receive(in) == null) {
                                Thread.sleep(10);
                                continue;
                            }
                            in.flip();
                            int k = in.getInt(0);
                            boolean intact = in.remaining() == (k < 39 ? 200 : 77);
                            for (int j = 4; j < in.remaining(); j++) {
                                intact &= in.get(j) == (byte) j;
                            }
                            datagrams.add(k + (intact ? "" : " damaged"));
                        }
                        Thread.sleep(200);
                        in.clear();
                        assertThat(vm.receive(in)).as("nothing more: the damaged datagram was dropped").isNull();
                        got.complete(datagrams);
                    }
                } catch (Throwable e) {
                    got.completeExceptionally(e);
                }
            });
            java.util.List<String> expected = java.util.stream.IntStream.range(0, 40).filter(k -> k != 30).mapToObj(String::valueOf).toList();
            assertThat(got.get(20, java.util.concurrent.TimeUnit.SECONDS)).as("the datagrams the VM's socket received, whole and in order")
                    .containsExactlyElementsOf(expected);
            assertThat(counts).as("two runs written as one frame each, of 39 datagrams").containsExactly(2, 39);
            String snmp = Netns.exec(ns, "cat", "/proc/net/snmp");
            java.util.List<String> udp = snmp.lines().filter(l -> l.startsWith("Udp:")).toList();
            java.util.List<String> names = java.util.List.of(udp.get(0).split("\\s+"));
            String[] values = udp.get(1).split("\\s+");
            assertThat(values[names.indexOf("InCsumErrors")]).as("the VM's kernel found the damaged datagram's checksum wrong").isEqualTo("1");
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

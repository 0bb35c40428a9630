package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.fastpath.vhost.SyntheticGuest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * vhost-user ports with real packets: host-a's VM ports are vhost-user sockets; a synthetic guest (a virtio-net driver in
 * Java, in shared memory) on web-1's socket pings web-2, a Linux network namespace on host-b, over VXLAN, and gets its
 * replies in its receive queue; it disconnects and a new guest on the same socket does it again; tenant-b's traffic to
 * the same address never reaches it. Needs root; in CI it must run.
 */
class NetnsVhostUserTest extends NetnsLabTest {

    static final long WEB1_MAC = 0x0200_0a01_0104L;
    static final long WEB2_MAC = 0x0200_0a01_0105L;

    /** Ethernet + IPv4 + ICMP echo request from web-1 to web-2, checksums complete. */
    static byte[] echoRequest(int sequence) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 32);
        b.putShort((short) (WEB2_MAC >>> 32)).putInt((int) WEB2_MAC).putShort((short) (WEB1_MAC >>> 32)).putInt((int) WEB1_MAC).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 60).putShort((short) sequence).putShort((short) 0x4000).put((byte) 64).put((byte) 1)
                .putShort((short) 0).put(new byte[] {10, 1, 1, 4}).put(new byte[] {10, 1, 1, 5});
        b.putShort(24, (short) checksum(b.array(), 14, 20));
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 0x7777).putShort((short) sequence);
        for (int k = 0; k < 32; k++) {
            b.put((byte) k);
        }
        b.putShort(36, (short) checksum(b.array(), 34, 40));
        return b.array();
    }

    static int checksum(byte[] f, int at, int length) {
        int sum = 0;
        for (int k = 0; k < length; k += 2) {
            sum += ((f[at + k] & 0xff) << 8) | (f[at + k + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    static boolean isEchoReply(byte[] f, int sequence) {
        return f.length >= 42 && (f[12] & 0xff) == 0x08 && f[13] == 0 && f[23] == 1 && (f[34] & 0xff) == 0
                && f[26] == 10 && f[27] == 1 && f[28] == 1 && f[29] == 5 && ((f[40] & 0xff) << 8 | (f[41] & 0xff)) == sequence;
    }

    /** Pings web-2 from the guest until a reply comes back; every frame the guest received on the way. */
    static List<byte[]> pingWeb2(SyntheticGuest guest, int sequence) {
        List<byte[]> received = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            guest.send(echoRequest(sequence));
            Thread.sleep(100);
            for (byte[] f = guest.receive(); f != null; f = guest.receive()) {
                received.add(f);
            }
            return received.stream().anyMatch(f -> isEchoReply(f, sequence));
        });
        return received;
    }

    @Test
    void aSyntheticGuestOnAVhostUserPortPingsAVmOnAnotherHost() throws Exception {
        lab.vhostUser.add("host-a");
        reconciler = lab.start("tenant-a.web-2", "10.1.2.4").reconciler; // host-b to host-c: host-a has no TAP devices now
        Path socket = agents.get("host-a").dataplane().packets().vhost("tenant-a/web-1").orElseThrow().socket();
        assertThat(socket.getFileName().toString()).isEqualTo("tenant-a_web-1.sock");

        try (SyntheticGuest guest = new SyntheticGuest(socket)) {
            List<byte[]> frames = pingWeb2(guest, 1);
            assertThat(frames).as("the reply comes from web-2's real Linux stack").anyMatch(f -> isEchoReply(f, 1));
            assertThat(Topology.quietly("ip", "netns", "exec", "tenant-b.app-2", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.1.1.4"))
                    .as("tenant-b's app-1 has the same address, on host-a, and no guest").isFalse();
            Thread.sleep(300);
            for (byte[] f = guest.receive(); f != null; f = guest.receive()) {
                assertThat(((f[6] & 0xff) << 8) | (f[7] & 0xff)).as("nothing from tenant-b's MACs (02:01:…)").isNotEqualTo(0x0201);
            }
        }
        try (SyntheticGuest again = new SyntheticGuest(socket)) { // a guest restarted: the port takes the new connection
            assertThat(pingWeb2(again, 2)).anyMatch(f -> isEchoReply(f, 2));
        }
        assertThat(agents.get("host-a").dataplane().packets().vhost("tenant-a/web-1").orElseThrow().connections).isEqualTo(2);
        String metrics = metrics("host-a");
        assertThat(metrics).as("per port in /metrics").containsPattern("weft_vhost_user_frames_total\\{direction=\"in\",port=\"tenant-a/web-1\",?\\} [1-9]")
                .containsPattern("weft_vhost_user_frames_total\\{direction=\"out\",port=\"tenant-a/web-1\",?\\} [1-9]")
                .contains("weft_vhost_user_no_buffer_total{port=\"tenant-a/web-1\"")
                .containsPattern("weft_vhost_user_ready\\{port=\"tenant-a/web-1\",?\\} 0.0"); // the last guest has gone
    }

    @Test
    void aFrontendThatShrinksItsMemoryUnderThePortLosesOnlyItsConnection() throws Exception {
        lab.vhostUser.add("host-a");
        reconciler = lab.start("tenant-a.web-2", "10.1.2.4").reconciler;
        dev.weft.fastpath.io.VhostPort port = agents.get("host-a").dataplane().packets().vhost("tenant-a/web-1").orElseThrow();
        try (SyntheticGuest hostile = new SyntheticGuest(port.socket())) {
            pingWeb2(hostile, 1);
            // its memory file cut to the 64 kB that hold the queues, then a frame offered whose buffer lay beyond: reading it faults
            hostile.shrinkMemory(0x10000);
            ByteBuffer descriptors = ByteBuffer.allocate(16 * SyntheticGuest.QUEUE_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            descriptors.putLong(0, SyntheticGuest.GPA + 0x20000).putInt(8, 72);
            ByteBuffer available = ByteBuffer.allocate(4 + 2 * SyntheticGuest.QUEUE_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            available.putShort(2, (short) (hostile.taken() + 1));
            hostile.scribble(1, descriptors.array(), available.array());
            await().atMost(Duration.ofSeconds(10)).until(() -> port.faults == 1);
        }
        assertThat(agents.get("host-a").dataplane().packets().activity()).as("the worker survived the fault and counted it")
                .anyMatch(a -> a.faults() > 0);
        try (SyntheticGuest again = new SyntheticGuest(port.socket())) { // host-a's one worker still forwards, for a new connection too
            assertThat(pingWeb2(again, 2)).anyMatch(f -> isEchoReply(f, 2));
        }
    }

    /** A 64-byte UDP frame from web-1 to web-2's port 9. */
    static byte[] udpToWeb2() {
        byte[] f = echoRequest(0);
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(23, (byte) 17).putShort(16, (short) 50).putShort(24, (short) 0);
        b.putShort(24, (short) checksum(f, 14, 20));
        b.putShort(34, (short) 40000).putShort(36, (short) 9).putShort(38, (short) 30).putShort(40, (short) 0);
        return java.util.Arrays.copyOf(f, 64);
    }

    /** UDP datagrams web-2's kernel delivered to a socket or dropped at a full one. */
    static long udpArrived() throws Exception {
        return NetnsLab.snmp("tenant-a.web-2", "Udp:", "InDatagrams") + NetnsLab.snmp("tenant-a.web-2", "Udp:", "InErrors");
    }

    @Test
    void aVhostUserGuestIsHeldToItsRateLimitsBothWays() throws Exception {
        lab.vhostUser.add("host-a");
        reconciler = lab.start("tenant-a.web-2", "10.1.2.4").reconciler;
        String capped = repo.replace("tenants/tenant-a/nics.yaml", "  ipAddress: 10.1.1.4\n", "  ipAddress: 10.1.1.4\n  qosSettings: {outboundMaximumMbps: 10, inboundMaximumMbps: 10}\n")
                .commit("cap web-1 at 10 Mbit/s").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(capped) && reconciler.status().allSynced());
        Path socket = agents.get("host-a").dataplane().packets().vhost("tenant-a/web-1").orElseThrow().socket();
        try (SyntheticGuest guest = new SyntheticGuest(socket)) {
            pingWeb2(guest, 3); // web-2 knows web-1 now
            byte[] frame = udpToWeb2();
            // a socket on port 9 that never reads: web-2's kernel counts every datagram, taken or dropped for want of room
            Process sink = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-2", "python3", "-c",
                    "import socket, time\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('10.1.1.5', 9))\nprint('bound', flush=True)\ntime.sleep(8)")
                    .start();
            assertThat(new String(sink.getInputStream().readNBytes(5))).isEqualTo("bound");
            long before = udpArrived();
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                if (!guest.send(frame)) {
                    Thread.yield();
                }
            }
            Thread.sleep(300);
            long arrived = udpArrived() - before;
            sink.destroy();
            double expected = 10e6 / 8 / 64 * 3; // 64-byte frames at 10 Mbit/s for 3 s
            System.out.printf("vhost qos: outbound %d frames in 3 s, cap allows %.0f%n", arrived, expected);
            assertThat((double) arrived).as("what web-1 sends is held to 10 Mbit/s").isBetween(0.85 * expected, 1.15 * expected + 512);

            Process flood = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-2", "python3", "-c",
                    "import socket, time\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nend=time.time()+4\n"
                            + "while time.time()<end:\n  s.sendto(b'x'*22, ('10.1.1.4', 9))").start();
            long received = 0;
            Thread.sleep(500);
            long start = System.nanoTime();
            end = start + 3_000_000_000L;
            while (System.nanoTime() < end) {
                byte[] f = guest.receive();
                if (f == null) {
                    Thread.yield();
                } else if (f.length == 64 && f[23] == 17) {
                    received++;
                }
            }
            flood.waitFor();
            System.out.printf("vhost qos: inbound %d frames in 3 s, cap allows %.0f%n", received, expected);
            assertThat((double) received).as("what web-1 receives is held to 10 Mbit/s").isBetween(0.85 * expected, 1.15 * expected + 1024);
        }
    }
}

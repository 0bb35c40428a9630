package dev.weft.bench;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import dev.weft.agent.dataplane.PacketConfig;
import dev.weft.contract.Batch;
import dev.weft.contract.Encapsulation;
import dev.weft.contract.MappingSpec;
import dev.weft.contract.NetworkSpec;
import dev.weft.contract.Op;
import dev.weft.contract.PortSpec;
import dev.weft.fastpath.io.Native;
import dev.weft.fastpath.io.NetNamespace;
import dev.weft.fastpath.io.TapNames;
import dev.weft.fastpath.vhost.SyntheticGuest;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 17's switch benchmark (root): two hosts (network namespaces {@code vt-ha}, {@code vt-hb}, a veth underlay), an agent
 * each in this process, one port each (web-1 on host-a, web-2 on host-b, VNI 5001). A synthetic guest sends 64-byte UDP
 * frames from web-1 to web-2 as fast as it can for a few seconds, another counts what arrives at web-2: first with the ports
 * as vhost-user sockets (the guests' queues in shared memory), then as TAP devices (the same frames written to and read
 * from the TAP devices' kernel side with AF_PACKET sockets). A synthetic guest with nothing to do (its ring full, nothing
 * received) waits for the device's call, as a guest's driver halts until its interrupt, rather than spinning on a core the
 * workers need. Then the same with 64 kB TCP segments the sending guest hands over
 * with segmentation offload (on TAP: written with a virtio-net header, PACKET_VNET_HDR), counting the bits of what
 * arrives: on both paths a run of segments arrives as one frame, its headers counted once. Then the 64 kB segments again with
 * both ports on host-a (guest to guest on one host, no underlay). Prints one line each, vhost-user, TAP, ratio.
 *
 * usage: VhostTraffic [seconds]
 */
public final class VhostTraffic {

    static final String[] HOSTS = {"vt-ha", "vt-hb"};
    static final Ipv4[] UNDERLAY = {Ipv4.parse("198.18.8.1"), Ipv4.parse("198.18.8.2")};
    static final MacAddress WEB1 = MacAddress.parse("02:00:0a:01:01:04");
    static final MacAddress WEB2 = MacAddress.parse("02:00:0a:01:01:05");

    private VhostTraffic() {
    }

    static void sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": " + out);
        }
    }

    static void quietly(String... command) throws Exception {
        new ProcessBuilder(command).redirectErrorStream(true).start().waitFor();
    }

    /** A 64-byte frame (Ethernet, IPv4, UDP and 22 bytes) from web-1 to web-2, checksums complete (UDP's 0). */
    static byte[] frame() {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put(mac(WEB2)).put(mac(WEB1)).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 50).putShort((short) 0).putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {10, 1, 1, 4}).put(new byte[] {10, 1, 1, 5});
        ipv4Checksum(b);
        b.putShort((short) 40000).putShort((short) 5201).putShort((short) 30).putShort((short) 0);
        return b.array();
    }

    /** Completes the IPv4 header checksum of the frame in {@code b} (the header at byte 14, 20 bytes). */
    static void ipv4Checksum(ByteBuffer b) {
        b.putShort(24, (short) dev.weft.fastpath.packet.Checksum.finish(dev.weft.fastpath.packet.Checksum.sum20(MemorySegment.ofArray(b.array()), 14)));
    }

    static byte[] mac(MacAddress m) {
        long v = m.value();
        return new byte[] {(byte) (v >>> 40), (byte) (v >>> 32), (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** Host {@code host}'s objects: its port (both ports on host-a when {@code sameHost}, none on host-b). */
    static List<Op> objects(int host, boolean sameHost) {
        NetworkSpec network = new NetworkSpec("tenant-a", "blue", 5001, Encapsulation.VXLAN, List.of(Ipv4Prefix.parse("10.1.0.0/16")),
                List.of(new NetworkSpec.Subnet("web", Ipv4Prefix.parse("10.1.1.0/24"))));
        PortSpec port = new PortSpec("tenant-a", host == 0 ? "web-1" : "web-2", "tenant-a/blue", 5001, host == 0 ? WEB1 : WEB2,
                Ipv4.parse(host == 0 ? "10.1.1.4" : "10.1.1.5"), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1"));
        PortSpec web2 = new PortSpec("tenant-a", "web-2", "tenant-a/blue", 5001, WEB2, Ipv4.parse("10.1.1.5"), Ipv4Prefix.parse("10.1.1.0/24"),
                Ipv4.parse("10.1.1.1"));
        List<Op> ports = !sameHost ? List.of(Op.upsert(port)) : host == 0 ? List.of(Op.upsert(port), Op.upsert(web2)) : List.of();
        return java.util.stream.Stream.concat(java.util.stream.Stream.concat(java.util.stream.Stream.of(Op.upsert(network)), ports.stream()), java.util.stream.Stream.of(
                Op.upsert(new MappingSpec(5001, Ipv4.parse("10.1.1.4"), WEB1, UNDERLAY[0], Encapsulation.VXLAN, "web-1")),
                Op.upsert(new MappingSpec(5001, Ipv4.parse("10.1.1.5"), WEB2, UNDERLAY[sameHost ? 0 : 1], Encapsulation.VXLAN, "web-2")))).toList();
    }

    /**
     * Environment PIN=A,B,S,R: the CPUs host-a's worker, host-b's worker, the sending guest's thread and the receiving guest's
     * thread are pinned to (with both ports on host-a, its one worker to A); unset, the kernel places them.
     */
    static final boolean PIN = System.getenv("PIN") != null;
    static final int[] CPUS = PIN ? java.util.Arrays.stream(System.getenv("PIN").split(",")).mapToInt(Integer::parseInt).toArray() : null;

    /** Puts the {@code index}-th thread (by thread id) of this process named {@code name} on CPU {@code cpu}. */
    static void pin(String name, int index, int cpu) throws Exception {
        List<Long> tids = new java.util.ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                    tids.add(Long.parseLong(task.getFileName().toString()));
                }
            }
        }
        java.util.Collections.sort(tids);
        sh("taskset", "-pc", Integer.toString(cpu), Long.toString(tids.get(index)));
    }

    /** With {@link #PIN}, pins the workers and the guests' threads of the measurement under way to its CPUs. */
    static void pinAll() throws Exception {
        if (!PIN) {
            return;
        }
        pin("weft-worker-0", 0, CPUS[0]);
        if (!sameHost) {
            pin("weft-worker-0", 1, CPUS[1]);
        }
        pin("vt-send", 0, CPUS[2]);
        pin("vt-receive", 0, CPUS[3]);
    }

    /** The workers' busy-poll time (µs): environment variable BUSY_POLL, else the agent's default for the kind of port. */
    static final Long BUSY_POLL = System.getenv("BUSY_POLL") == null ? null : Long.valueOf(System.getenv("BUSY_POLL"));

    /** Whether the next measurements put both ports on host-a. */
    static boolean sameHost;

    /** The host web-2's port is on. */
    static int receiving() {
        return sameHost ? 0 : 1;
    }

    static Agent[] agents(Path dir, boolean vhost) throws Exception {
        Agent[] agents = new Agent[2];
        for (int h = 0; h < 2; h++) {
            Path state = dir.resolve((vhost ? "vhost-" : "tap-") + (sameHost ? "same-" : "") + h);
            agents[h] = Agent.start(new AgentConfig("host-" + h, "127.0.0.1", 0, state, false, Optional.empty(), Optional.empty(),
                    Optional.of(new PacketConfig(UNDERLAY[h], Optional.of(HOSTS[h]), 1, 9000, vhost ? Optional.of(state.resolve("vhost-user")) : Optional.empty())
                            .withBusyPoll(BUSY_POLL))));
            agents[h].store().apply(new Batch(1, "bench", null, objects(h, sameHost)));
        }
        return agents;
    }

    /** Frames per second web-2 received of what web-1's guest sent as fast as it could, over {@code seconds}. */
    static double vhost(Path dir, int seconds) throws Exception {
        byte[] f = frame();
        return vhost(dir, seconds, guest -> guest.send(f), 17, false);
    }

    /** Bits per second of TCP segments web-2 received of the 64 kB segments web-1's guest handed over (TSO), over {@code seconds}. */
    static double vhostSegmented(Path dir, int seconds) throws Exception {
        byte[] segment = tcpSegment();
        return vhost(dir, seconds, guest -> guest.sendSegmented(segment, MSS), 6, true);
    }

    /**
     * What web-2's guest receives per second while web-1's guest sends as fast as it can ({@code send} false: its ring is
     * full): frames of IPv4 protocol {@code protocol}, or their bits with {@code bits}. The receiving guest takes its frames
     * in place, without copying them.
     */
    static double vhost(Path dir, int seconds, java.util.function.Predicate<SyntheticGuest> send, int protocol, boolean bits) throws Exception {
        Agent[] agents = agents(dir, true);
        try (SyntheticGuest sender = new SyntheticGuest(agents[0].dataplane().packets().vhost("tenant-a/web-1").orElseThrow().socket());
             SyntheticGuest receiver = new SyntheticGuest(agents[receiving()].dataplane().packets().vhost("tenant-a/web-2").orElseThrow().socket())) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread sending = Thread.ofPlatform().name("vt-send").start(() -> {
                while (running.get()) {
                    if (!send.test(sender)) {
                        sender.awaitCall(1, 10); // the ring is full: wait for buffers back, as a guest's driver stops its queue
                    }
                }
            });
            String name = Thread.currentThread().getName();
            Thread.currentThread().setName("vt-receive"); // this thread receives
            try {
                pinAll();
                long[] counts = new long[2];
                long end = System.nanoTime() + 1_000_000_000L; // a second of warm-up
                while (System.nanoTime() < end) {
                    if (receiver.drain(protocol, counts) == 0) {
                        receiver.awaitCall(0, 10);
                    }
                }
                counts[0] = 0;
                counts[1] = 0;
                long start = System.nanoTime();
                end = start + seconds * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    if (receiver.drain(protocol, counts) == 0) {
                        receiver.awaitCall(0, 10); // nothing received: halt until the device calls, as a guest does
                    }
                }
                return (bits ? 8.0 * counts[1] : counts[0]) / ((System.nanoTime() - start) / 1e9);
            } finally {
                running.set(false);
                sending.join(); // before the guests' memory goes
                Thread.currentThread().setName(name);
            }
        } finally {
            for (Agent a : agents) {
                a.close();
            }
        }
    }

    /** TCP payload bytes per segment, as a VM with a 1,500-byte MTU sends them. */
    static final int MSS = 1448;

    /**
     * A 64 kB TCP/IPv4 segment from web-1 to web-2 as a guest hands it over with segmentation offload: 64,000 bytes of
     * payload, the IPv4 checksum complete, the TCP checksum field holding the pseudo-header sum (the device completes it).
     */
    static byte[] tcpSegment() {
        int payload = 64_000;
        ByteBuffer b = ByteBuffer.allocate(54 + payload);
        b.put(mac(WEB2)).put(mac(WEB1)).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 0).putShort((short) 0x4000).put((byte) 64).put((byte) 6)
                .putShort((short) 0).put(new byte[] {10, 1, 1, 4}).put(new byte[] {10, 1, 1, 5});
        ipv4Checksum(b);
        int pseudo = 0x0a01 + 0x0104 + 0x0a01 + 0x0105 + 6; // addresses and protocol; segmentation adds each segment's length
        b.putShort((short) 40000).putShort((short) 5201).putInt(1).putInt(1).put((byte) 0x50).put((byte) 0x10).putShort((short) 64000)
                .putShort((short) pseudo).putShort((short) 0);
        return b.array();
    }

    /** The 10-byte virtio-net header a socket with PACKET_VNET_HDR takes before {@link #tcpSegment()}: GSO TCPv4, checksum partial. */
    static byte[] gsoHeader() {
        ByteBuffer b = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).put((byte) 1).putShort((short) 54).putShort((short) MSS).putShort((short) 34).putShort((short) 16);
        return b.array();
    }

    /** An AF_PACKET socket on device {@code device} of the current thread's namespace. */
    static int packetSocket(String device) throws Exception {
        int fd = (int) Native.check(Native.socket(17, 3, Short.reverseBytes((short) 3) & 0xffff), "socket(AF_PACKET)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment address = a.allocate(20);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) 17);
            address.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) 3);
            address.set(ValueLayout.JAVA_INT, 4, Native.ifNameToIndex(device));
            Native.check(Native.bind(fd, address, 20), "bind " + device);
        }
        return fd;
    }

    /** As {@link #vhost}, with TAP ports: the frames written to web-1's TAP device and read from web-2's, on their kernel side. */
    static double tap(Path dir, int seconds) throws Exception {
        byte[] f = frame();
        return tap(dir, seconds, f, false, (in, n) -> n == 64 && in.get(ValueLayout.JAVA_BYTE, 23) == 17 ? 1 : 0);
    }

    /**
     * As {@link #vhostSegmented}, with TAP ports: the 64 kB segments written with a virtio-net header (PACKET_VNET_HDR, so the
     * kernel hands web-1's TAP device one GSO frame, as a VM's TAP gets it) and web-2's segments read, on their kernel side.
     */
    static double tapSegmented(Path dir, int seconds) throws Exception {
        byte[] header = gsoHeader();
        byte[] segment = tcpSegment();
        byte[] f = new byte[header.length + segment.length];
        System.arraycopy(header, 0, f, 0, header.length);
        System.arraycopy(segment, 0, f, header.length, segment.length);
        return tap(dir, seconds, f, true, (in, n) -> in.get(ValueLayout.JAVA_BYTE, 23) == 6 ? 8L * n : 0);
    }

    static final int SOL_PACKET = 263;
    static final int PACKET_VNET_HDR = 15;

    /** What web-2's TAP device's kernel side receives per second, as {@code counted} counts each frame, while {@code f} is written to web-1's. */
    static double tap(Path dir, int seconds, byte[] f, boolean vnetHeader, java.util.function.ToLongBiFunction<MemorySegment, Long> counted) throws Exception {
        Agent[] agents = agents(dir, false);
        try {
            String[] taps = {TapNames.of("tenant-a/web-1"), TapNames.of("tenant-a/web-2")};
            String[] hosts = {HOSTS[0], HOSTS[receiving()]};
            for (int h = 0; h < 2; h++) {
                sh("ip", "-n", hosts[h], "link", "set", taps[h], "up");
            }
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong count = new AtomicLong();
            AtomicLong counting = new AtomicLong(); // 0: warming up, 1: counting, 2: done
            Thread send = Thread.ofPlatform().name("vt-send").start(() -> {
                try (Arena a = Arena.ofConfined()) {
                    NetNamespace.enter(HOSTS[0]);
                    int fd = packetSocket(taps[0]);
                    if (vnetHeader) {
                        Native.check(Native.setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1), "PACKET_VNET_HDR");
                    }
                    MemorySegment out = a.allocate(f.length);
                    MemorySegment.copy(MemorySegment.ofArray(f), 0, out, 0, f.length);
                    while (running.get()) {
                        Native.write(fd, out, f.length);
                    }
                    Native.close(fd);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread receive = Thread.ofPlatform().name("vt-receive").start(() -> {
                try (Arena a = Arena.ofConfined()) {
                    NetNamespace.enter(hosts[1]);
                    int fd = packetSocket(taps[1]);
                    MemorySegment in = a.allocate(65536);
                    while (running.get()) {
                        long n = Native.read(fd, in, 65536);
                        if (n > 0 && counting.get() == 1) {
                            count.addAndGet(counted.applyAsLong(in, n));
                        }
                    }
                    Native.close(fd);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(100);
            pinAll();
            Thread.sleep(900);
            counting.set(1);
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            counting.set(2);
            double rate = count.get() / ((System.nanoTime() - start) / 1e9);
            running.set(false);
            send.join();
            return rate;
        } finally {
            for (Agent a : agents) {
                a.close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory("weft-traffic-vhost");
        for (String h : HOSTS) {
            quietly("ip", "netns", "del", h);
            sh("ip", "netns", "add", h);
            sh("ip", "-n", h, "link", "set", "lo", "up");
        }
        try {
            sh("ip", "link", "add", "vt0", "netns", HOSTS[0], "mtu", "9000", "type", "veth", "peer", "name", "vt1", "netns", HOSTS[1], "mtu", "9000");
            for (int h = 0; h < 2; h++) {
                sh("ip", "-n", HOSTS[h], "addr", "add", UNDERLAY[h] + "/15", "dev", "vt" + h);
                sh("ip", "-n", HOSTS[h], "link", "set", "vt" + h, "up");
            }
            double vhost = vhost(dir, seconds);
            double tap = tap(dir, seconds);
            double vhostGso = vhostSegmented(dir, seconds);
            double tapGso = tapSegmented(dir, seconds);
            sameHost = true;
            double vhostLocal = vhostSegmented(dir, seconds);
            double tapLocal = tapSegmented(dir, seconds);
            System.out.printf("%-36s %10s %10s %7s%n", "", "vhost-user", "TAP", "ratio");
            System.out.printf("%-36s %10.3f %10.3f %7.2f%n", "64-byte frames (Mpps)", vhost / 1e6, tap / 1e6, vhost / tap);
            System.out.printf("%-36s %10.3f %10.3f %7.2f%n", "64 kB GSO frames (Gbit/s)", vhostGso / 1e9, tapGso / 1e9, vhostGso / tapGso);
            System.out.printf("%-36s %10.3f %10.3f %7.2f%n", "64 kB GSO frames, one host (Gbit/s)", vhostLocal / 1e9, tapLocal / 1e9, vhostLocal / tapLocal);
        } finally {
            for (String h : HOSTS) {
                quietly("ip", "netns", "del", h);
            }
        }
        System.exit(0);
    }
}

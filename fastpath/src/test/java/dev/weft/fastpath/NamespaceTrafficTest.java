package dev.weft.fastpath;

import static dev.weft.fastpath.Netns.exec;
import static dev.weft.fastpath.Netns.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.NetNamespace;
import dev.weft.fastpath.io.TapDevice;
import dev.weft.fastpath.io.Underlay;
import dev.weft.fastpath.io.Worker;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real packets: VMs are network namespaces with a TAP device that a Weft worker serves from its host's
 * namespace, hosts talk VXLAN over a veth underlay. Needs root; in CI (CI=true) it must run, not skip.
 */
class NamespaceTrafficTest {

    static final String WEB1_MAC = "02:00:0a:01:01:04";
    static final String WEB2_MAC = "02:00:0a:01:01:05";
    static final String APP1_MAC = "02:01:0a:01:01:06";

    Netns netns;
    final List<Worker> workers = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();
    final List<TapDevice> taps = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void requireRoot() throws Exception {
        boolean root = "0".equals(Netns.sh("id", "-u").trim());
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(root, "needs root for network namespaces and TAP devices");
        }
        Netns.requireTool("ip", "iproute2");
        Netns.requireTool("ping", "iputils-ping");
        Netns.requireTool("tshark", "tshark");
        netns = new Netns();
    }

    @AfterEach
    void tearDown() throws Exception {
        workers.forEach(Worker::close);
        for (Thread t : threads) {
            t.join(2000);
        }
        workers.forEach(Worker::release);
        taps.forEach(TapDevice::close);
        netns.close();
    }

    static PortEntry port(String name, int vni, String mac, String ip) {
        return new PortEntry(name, vni, MacAddress.parse(mac), Ipv4.parse(ip), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1"));
    }

    static MappingEntry mapping(int vni, String ip, String mac, String host) {
        return new MappingEntry(vni, Ipv4.parse(ip), MacAddress.parse(mac), Ipv4.parse(host), MappingEntry.Encapsulation.VXLAN);
    }

    static List<NetworkEntry> networks() {
        List<Ipv4Prefix> space = List.of(Ipv4Prefix.parse("10.1.0.0/16"));
        List<Ipv4Prefix> subnets = List.of(Ipv4Prefix.parse("10.1.1.0/24"));
        return List.of(new NetworkEntry(5001, space, subnets), new NetworkEntry(5002, space, subnets));
    }

    /** Two host namespaces on one veth underlay, 198.18.0.1 and 198.18.0.2 (/15). */
    private String[] hosts() throws Exception {
        return hosts(1500);
    }

    /** {@link #hosts()} with an underlay MTU of {@code mtu}. */
    private String[] hosts(int mtu) throws Exception {
        String a = netns.add("ha");
        String b = netns.add("hb");
        sh("ip", "link", "add", netns.prefix + "ul0", "netns", a, "mtu", Integer.toString(mtu), "type", "veth", "peer", "name", netns.prefix + "ul1",
                "netns", b, "mtu", Integer.toString(mtu));
        exec(a, "ip", "addr", "add", "198.18.0.1/15", "dev", netns.prefix + "ul0");
        exec(a, "ip", "link", "set", netns.prefix + "ul0", "up");
        exec(b, "ip", "addr", "add", "198.18.0.2/15", "dev", netns.prefix + "ul1");
        exec(b, "ip", "link", "set", netns.prefix + "ul1", "up");
        return new String[] {a, b};
    }

    /** Starts a worker in {@code hostNs} with the given tables and a TAP per port, each moved into its own VM namespace. */
    private Worker worker(String hostNs, String underlay, TableSnapshot snapshot, String... vms) throws Exception {
        CompletableFuture<Worker> ready = new CompletableFuture<>();
        List<PortEntry> ports = snapshot.ports();
        Thread thread = Thread.ofPlatform().name("worker-" + hostNs).start(() -> {
            try {
                NetNamespace.enter(hostNs);
                ForwardingTables tables = new ForwardingTables(snapshot, Ipv4.parse(underlay).value());
                Worker worker = new Worker(() -> tables, new Underlay(Ipv4.parse(underlay).value()));
                for (int p = 0; p < ports.size(); p++) {
                    String tapName = netns.prefix + "t" + hostNs.charAt(hostNs.length() - 1) + p;
                    TapDevice tap = TapDevice.open(tapName);
                    taps.add(tap);
                    worker.attach(ports.get(p).name(), tap);
                }
                ready.complete(worker);
                worker.run();
            } catch (Throwable e) {
                ready.completeExceptionally(e);
            }
        });
        threads.add(thread);
        Worker worker = ready.get();
        workers.add(worker);
        for (int p = 0; p < ports.size(); p++) {
            String tap = netns.prefix + "t" + hostNs.charAt(hostNs.length() - 1) + p;
            String vm = netns.add(vms[p]);
            PortEntry port = ports.get(p);
            sh("ip", "-n", hostNs, "link", "set", tap, "netns", vm);
            exec(vm, "ip", "link", "set", tap, "address", port.mac().toString());
            exec(vm, "ip", "addr", "add", port.ip() + "/24", "dev", tap);
            exec(vm, "ip", "link", "set", tap, "up");
            exec(vm, "ip", "route", "add", "default", "via", port.gateway().toString());
        }
        return worker;
    }

    @Test
    void vmsOnTwoHostsPingOverVxlanAndTenantsStayApart() throws Exception {
        String[] h = hosts();
        TableSnapshot a = new TableSnapshot(1, List.of(port("tenant-a/web-1", 5001, WEB1_MAC, "10.1.1.4"),
                port("tenant-b/app-1", 5002, APP1_MAC, "10.1.1.6")),
                List.of(mapping(5001, "10.1.1.5", WEB2_MAC, "198.18.0.2")), networks());
        TableSnapshot b = new TableSnapshot(1, List.of(port("tenant-a/web-2", 5001, WEB2_MAC, "10.1.1.5")),
                List.of(mapping(5001, "10.1.1.4", WEB1_MAC, "198.18.0.1")), networks());
        Worker workerA = worker(h[0], "198.18.0.1", a, "web1", "app1");
        Worker workerB = worker(h[1], "198.18.0.2", b, "web2");

        String ping = exec(netns.prefix + "-web1", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.1.1.5");
        assertThat(ping).contains("3 received");
        assertThat(workerA.counters().encapsulated()).isGreaterThanOrEqualTo(3);
        assertThat(workerB.counters().decapsulated() + workerB.counters().switched()).isGreaterThanOrEqualTo(3);

        // tenant-b's VM on host A has no way to tenant-a's 10.1.1.5: its ping fails and the drop is counted
        long before = workerA.counters().drops(DropReason.ARP_NOT_ANSWERED) + workerA.counters().drops(DropReason.UNKNOWN_DESTINATION);
        int status = Netns.status("ip", "netns", "exec", netns.prefix + "-app1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.1.1.5");
        assertThat(status).isNotZero();
        assertThat(workerA.counters().drops(DropReason.ARP_NOT_ANSWERED) + workerA.counters().drops(DropReason.UNKNOWN_DESTINATION))
                .isGreaterThan(before);
        // and tenant-a's VM can't reach tenant-b's 10.1.1.6 on its own host either
        assertThat(Netns.status("ip", "netns", "exec", netns.prefix + "-web1", "ping", "-c", "1", "-W", "1", "10.1.1.6")).isNotZero();

        // ten more echoes through a path the JIT has compiled by now: a worker's loop after a frame then ends well within the
        // 200 µs it polls for (its first frames, interpreted, may take longer than that, and no poll follows them)
        assertThat(exec(netns.prefix + "-web1", "ping", "-c", "10", "-i", "0.05", "-W", "2", "10.1.1.5")).contains("10 received");
        Thread.sleep(300);
        // what the workers did shows in their activity: batches of the frames they handled, the time that took, and the
        // looks they made without sleeping after each frame (busy polling, 200 µs)
        Worker.Activity busy = workerA.activity(); // read while it sleeps: the counts agree
        assertThat(busy.batches()).isGreaterThanOrEqualTo(3);
        assertThat(busy.frames()).isGreaterThanOrEqualTo(busy.batches());
        assertThat(busy.busyNanos()).isPositive();
        assertThat(busy.polls()).isPositive();
        assertThat(busy.yields()).isPositive().isLessThanOrEqualTo(busy.polls());

        // once the traffic stops the workers sleep: busy polling (200 µs after the last frame) burns no idle host's CPU
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long before0 = cpu.getThreadCpuTime(threads.get(0).threadId());
        long before1 = cpu.getThreadCpuTime(threads.get(1).threadId());
        Thread.sleep(1000);
        assertThat(cpu.getThreadCpuTime(threads.get(0).threadId()) - before0).as("host A's worker, idle, CPU ns").isLessThan(50_000_000);
        assertThat(cpu.getThreadCpuTime(threads.get(1).threadId()) - before1).as("host B's worker, idle, CPU ns").isLessThan(50_000_000);
        Worker.Activity idle = workerA.activity();
        // (the VMs' own neighbour and router traffic may bring a frame or two meanwhile)
        assertThat(idle.sleeps() - busy.sleeps()).as("sleeps in an idle second (100 ms each at most)").isBetween(5L, 20L);
        assertThat(idle.busyNanos() - busy.busyNanos()).as("time busy with frames in an idle second, ns").isLessThan(20_000_000);
    }

    static MappingEntry nvgre(int vni, String ip, String mac, String host) {
        return new MappingEntry(vni, Ipv4.parse(ip), MacAddress.parse(mac), Ipv4.parse(host), MappingEntry.Encapsulation.NVGRE);
    }

    @Test
    void tsharkDecodesTheUnderlayAsVxlanAndNvgreWithTheRightIdsAndNothingMalformed() throws Exception {
        String[] h = hosts();
        String app2Mac = "02:01:0a:01:01:07";
        TableSnapshot a = new TableSnapshot(1, List.of(port("tenant-a/web-1", 5001, WEB1_MAC, "10.1.1.4"), port("tenant-b/app-1", 5002, APP1_MAC, "10.1.1.6")),
                List.of(mapping(5001, "10.1.1.5", WEB2_MAC, "198.18.0.2"), nvgre(5002, "10.1.1.7", app2Mac, "198.18.0.2")), networks());
        TableSnapshot b = new TableSnapshot(1, List.of(port("tenant-a/web-2", 5001, WEB2_MAC, "10.1.1.5"), port("tenant-b/app-2", 5002, app2Mac, "10.1.1.7")),
                List.of(mapping(5001, "10.1.1.4", WEB1_MAC, "198.18.0.1"), nvgre(5002, "10.1.1.6", APP1_MAC, "198.18.0.1")), networks());
        worker(h[0], "198.18.0.1", a, "web1", "app1");
        worker(h[1], "198.18.0.2", b, "web2", "app2");
        java.nio.file.Path capture = java.nio.file.Files.createTempFile("weft-underlay", ".pcap");
        capture.toFile().setWritable(true, false);
        Process tshark = new ProcessBuilder("ip", "netns", "exec", h[0], "tshark", "-i", netns.prefix + "ul0", "-w", capture.toString(),
                "-a", "duration:8").redirectErrorStream(true).start();
        java.io.BufferedReader said = new java.io.BufferedReader(new java.io.InputStreamReader(tshark.getInputStream()));
        for (String line = said.readLine(); line != null && !line.contains("Capturing on"); line = said.readLine()) {
            // tshark is starting: from a fraction of a second to several on a busy machine
        }
        Thread.sleep(500); // it says so a moment before its capture sees everything
        assertThat(exec(netns.prefix + "-web1", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.1.1.5")).contains("3 received");
        assertThat(exec(netns.prefix + "-app1", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.1.1.7")).contains("3 received");
        tshark.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);

        String vnis = Netns.stdout("tshark", "-r", capture.toString(), "-Y", "vxlan", "-T", "fields", "-e", "vxlan.vni");
        assertThat(vnis.lines().toList()).hasSizeGreaterThanOrEqualTo(6).containsOnly("5001");
        String keys = Netns.stdout("tshark", "-r", capture.toString(), "-Y", "gre", "-T", "fields", "-e", "gre.key", "-e", "gre.proto");
        assertThat(keys.lines().toList()).hasSizeGreaterThanOrEqualTo(6).allSatisfy(line -> {
            String[] fields = line.split("\\t");
            assertThat(Long.decode(fields[0]) >>> 8).isEqualTo(5002);  // VSID in the upper 24 bits of the key
            assertThat(fields[1]).isEqualTo("0x6558");
        });
        String icmp = Netns.stdout("tshark", "-r", capture.toString(), "-Y", "icmp && (vxlan || gre)", "-T", "fields", "-e", "ip.src");
        assertThat(icmp).contains("10.1.1.4").contains("10.1.1.5").contains("10.1.1.6").contains("10.1.1.7");
        assertThat(Netns.stdout("tshark", "-r", capture.toString(), "-V")).doesNotContain("Malformed").doesNotContain("Bad checksum");
        java.nio.file.Files.deleteIfExists(capture);
    }

    @Test
    void weftAndTheLinuxKernelsVxlanPingEachOtherBothWays() throws Exception {
        String[] h = hosts();
        TableSnapshot a = new TableSnapshot(1, List.of(port("tenant-a/web-1", 5001, WEB1_MAC, "10.1.1.4")),
                List.of(mapping(5001, "10.1.1.5", WEB2_MAC, "198.18.0.2")), networks());
        worker(h[0], "198.18.0.1", a, "web1");

        String kvm = kernelVxlanHost(h[1]); // host B runs no Weft: the kernel's VXLAN device in a bridge with the VM's veth

        assertThat(exec(netns.prefix + "-web1", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.1.1.5")).contains("3 received");
        assertThat(exec(kvm, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.1.1.4")).contains("3 received");
    }

    /** Receives one TCP connection on port 5000 and prints the bytes it got and their SHA-256. */
    static final String RECEIVE = """
            import socket, hashlib
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 5000)); s.listen(1)
            c, _ = s.accept(); h = hashlib.sha256(); n = 0
            while True:
                d = c.recv(1 << 20)
                if not d: break
                h.update(d); n += len(d)
            print(n, h.hexdigest())
            """;
    /** Sends 8 MB on one connection to argv[1]:5000 (the VM's TCP hands its TAP 64 kB frames), prints their length and SHA-256. */
    static final String SEND = """
            import socket, hashlib, sys
            data = bytes((i * 7) & 0xff for i in range(1 << 16)) * 128
            s = socket.create_connection((sys.argv[1], 5000), timeout=20); s.sendall(data); s.close()
            print(len(data), hashlib.sha256(data).hexdigest())
            """;

    /** Sends 8 MB over TCP from namespace {@code from} to {@code to} at {@code address}; returns what each side printed. */
    private static String[] transfer(String from, String to, String address) throws Exception {
        Process server = new ProcessBuilder("ip", "netns", "exec", to, "python3", "-c", RECEIVE).redirectErrorStream(true).start();
        try {
            Thread.sleep(300);
            String sent = exec(from, "python3", "-c", SEND, address).trim();
            if (!server.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("the receiver in " + to + " got no end of the connection");
            }
            return new String[] {sent, new String(server.getInputStream().readAllBytes()).trim()};
        } finally {
            server.destroyForcibly();
        }
    }

    /** The kernel's count of TCP segments with bad checksums that namespace {@code ns} received (and dropped). */
    private static long csumErrors(String ns) throws Exception {
        for (String line : exec(ns, "cat", "/proc/net/snmp").lines().toList()) {
            if (line.startsWith("Tcp:") && Character.isDigit(line.split("\\s+")[1].charAt(0))) {
                return Long.parseLong(line.trim().split("\\s+")[15]); // InCsumErrors
            }
        }
        throw new AssertionError("no Tcp line in /proc/net/snmp");
    }

    /** Frames written to host {@code hostNs}'s weftgso device: GSO frames that left as one VXLAN datagram each. */
    private static long wholeFrames(String hostNs) throws Exception {
        String stats = exec(hostNs, "cat", "/sys/class/net/weftgso0/statistics/rx_packets");
        return Long.parseLong(stats.trim());
    }

    @Test
    void tcpBetweenVmsOnTwoHostsCrossesAsWholeGsoFramesEachWayAndArrivesIntact() throws Exception {
        Netns.requireTool("python3", "python3");
        String[] h = hosts(9000);
        TableSnapshot a = new TableSnapshot(1, List.of(port("tenant-a/web-1", 5001, WEB1_MAC, "10.1.1.4")),
                List.of(mapping(5001, "10.1.1.5", WEB2_MAC, "198.18.0.2")), networks());
        TableSnapshot b = new TableSnapshot(1, List.of(port("tenant-a/web-2", 5001, WEB2_MAC, "10.1.1.5")),
                List.of(mapping(5001, "10.1.1.4", WEB1_MAC, "198.18.0.1")), networks());
        Worker wa = worker(h[0], "198.18.0.1", a, "web1");
        worker(h[1], "198.18.0.2", b, "web2");
        assertThat(wa.underlay().tunnelDevice()).isEqualTo("weftgso0");
        String web1 = netns.prefix + "-web1";
        String web2 = netns.prefix + "-web2";
        exec(web1, "ping", "-c", "1", "-W", "2", "10.1.1.5");

        String[] there = transfer(web1, web2, "10.1.1.5");
        assertThat(there[1]).as("every byte arrives, in order").isEqualTo(there[0]);
        String[] back = transfer(web2, web1, "10.1.1.4");
        assertThat(back[1]).isEqualTo(back[0]);
        assertThat(wholeFrames(h[0])).as("host A's 64 kB frames left whole, never cut in Java").isPositive();
        assertThat(wholeFrames(h[1])).isPositive();
        assertThat(wa.underlay().tunnelSent()).as("the worker counts what it wrote whole").isEqualTo(wholeFrames(h[0]));
        assertThat(wa.underlay().tunnelRefused()).isZero();
        assertThat(csumErrors(web2) + csumErrors(web1)).as("no segment arrives with a bad TCP checksum").isZero();
    }

    /** Sends 10 UDP_SEGMENT sends of 20 numbered datagrams of 1,000 bytes each (the last 600) to argv[1]:4433. */
    private static final String SEND_USO = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(17, 103, 1000)  # UDP_SEGMENT
            for send in range(10):
                chunk = b"".join(((send * 20 + k).to_bytes(4, "big") + bytes((send * 20 + k + j) & 0xff for j in range(996)))[: 600 if k == 19 else 1000] for k in range(20))
                s.sendto(chunk, (sys.argv[1], 4433))
                time.sleep(0.05)
            """;

    /** Receives datagrams on port 4433 until a second passes without one; prints how many, and how many were not as sent. */
    private static final String RECEIVE_USO = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", 4433))
            s.settimeout(3)
            seen, wrong = set(), 0
            try:
                while True:
                    d = s.recv(65536)
                    s.settimeout(1)
                    n = int.from_bytes(d[:4], "big")
                    want = (n.to_bytes(4, "big") + bytes((n + j) & 0xff for j in range(996)))[: 600 if n % 20 == 19 else 1000]
                    wrong += d != want
                    seen.add(n)
            except socket.timeout:
                pass
            print(len(seen), wrong, flush=True)
            """;

    @Test
    void aVmsUdpSegmentationOffloadSendsCrossAsOneVxlanDatagramEachAndEveryDatagramArrivesIntactOnTheOtherHost() throws Exception {
        long written = usoAcross(false);
        assertThat(written).as("frames written to the receiving VM: its NIC takes no coalesced UDP, so every datagram").isGreaterThanOrEqualTo(200);
    }

    @Test
    void aVmsUdpSegmentationOffloadSendReachesAVmThatTakesCoalescedUdpAsOneFrame() throws Exception {
        long written = usoAcross(true);
        assertThat(written).as("frames written to the receiving VM: a send each (its stack cuts them at the socket)").isBetween(10L, 14L);
    }

    /**
     * Ten UDP_SEGMENT sends of 20 datagrams from web-1 on host A to web-2 on host B, whose NIC asks for coalesced UDP when
     * {@code coalescing}: asserts that all 200 arrive as sent, that host A read each send as one frame and sent it as one
     * VXLAN datagram (GSO over the UDP tunnel); returns the frames written to web-2's device meanwhile.
     */
    private long usoAcross(boolean coalescing) throws Exception {
        Netns.requireTool("python3", "python3");
        String[] h = hosts();
        PortEntry two = port("tenant-a/web-2", 5001, WEB2_MAC, "10.1.1.5");
        TableSnapshot a = new TableSnapshot(1, List.of(port("tenant-a/web-1", 5001, WEB1_MAC, "10.1.1.4")),
                List.of(mapping(5001, "10.1.1.5", WEB2_MAC, "198.18.0.2")), networks());
        TableSnapshot b = new TableSnapshot(1, List.of(new PortEntry(two.name(), two.vni(), two.mac(), two.ip(), two.subnet(), two.gateway(),
                two.security(), two.dhcp(), two.ipForwarding(), two.qos(), two.mirrors(), coalescing)),
                List.of(mapping(5001, "10.1.1.4", WEB1_MAC, "198.18.0.1")), networks());
        Worker wa = worker(h[0], "198.18.0.1", a, "web1");
        Worker wb = worker(h[1], "198.18.0.2", b, "web2");
        TapDevice tapA = taps.getFirst();
        Assumptions.assumeTrue(tapA.usoFromVm(), "a kernel that knows USO (Linux 6.2 and later) hands the VM's UDP_SEGMENT sends over whole");
        assertThat(wa.underlay().tunnelDevice()).isEqualTo("weftgso0");
        String web1 = netns.prefix + "-web1";
        String web2 = netns.prefix + "-web2";
        String tapB = netns.prefix + "tb0";
        exec(web1, "ping", "-c", "1", "-W", "2", "10.1.1.5");
        long framesBefore = tapA.framesRead;
        long segmentsBefore = tapA.segments;
        long wholeBefore = wa.underlay().tunnelSent();
        long receivedBefore = wb.underlay().wholeReceived;
        long writtenBefore = Long.parseLong(exec(web2, "cat", "/sys/class/net/" + tapB + "/statistics/rx_packets").trim());

        Process receiver = new ProcessBuilder("ip", "netns", "exec", web2, "python3", "-c", RECEIVE_USO).redirectErrorStream(true).start();
        try {
            Thread.sleep(300);
            exec(web1, "python3", "-c", SEND_USO, "10.1.1.5");
            assertThat(receiver.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(new String(receiver.getInputStream().readAllBytes()).trim())
                    .as("datagrams that arrived, and those not as sent").isEqualTo("200 0");
        } finally {
            receiver.destroyForcibly();
        }
        // each of the ten sends was read as one frame of 20 datagrams, not cut as it was read, and left as one VXLAN datagram
        assertThat(tapA.segments - segmentsBefore).as("frames added to batches as host A read them").isEqualTo(tapA.framesRead - framesBefore);
        assertThat(wa.underlay().tunnelSent() - wholeBefore).as("sends that left host A whole").isEqualTo(10);
        assertThat(wb.underlay().wholeReceived - receivedBefore).as("and arrived at host B whole").isEqualTo(10);
        assertThat(tapA.malformed).isZero();
        return Long.parseLong(exec(web2, "cat", "/sys/class/net/" + tapB + "/statistics/rx_packets").trim()) - writtenBefore;
    }

    /** Adds VXLAN frame {@code frame} to {@code b}, for 198.18.0.2, with flow hash 7: whole in its slot, or from byte {@code headers} on a GSO frame's tail. */
    private static void toUnderlay(dev.weft.fastpath.packet.PacketBatch b, byte[] frame, int headers, java.lang.foreign.Arena arena) {
        java.lang.foreign.MemorySegment bytes = java.lang.foreign.MemorySegment.ofArray(frame);
        int i;
        if (headers == 0) {
            java.lang.foreign.MemorySegment.copy(bytes, 0, b.nextSlot(), 0, frame.length);
            i = b.commit(frame.length, 0);
        } else {
            java.lang.foreign.MemorySegment payload = arena.allocate(frame.length - headers);
            java.lang.foreign.MemorySegment.copy(bytes, headers, payload, 0, frame.length - headers);
            java.lang.foreign.MemorySegment.copy(bytes, 0, b.nextSlot(), 0, headers);
            i = b.commitGso(headers, payload, 1448, 14, 34, 0); // IPv4 and TCP offsets from the inner Ethernet header
        }
        b.verdict[i] = dev.weft.fastpath.packet.PacketBatch.TO_UNDERLAY;
        b.encap[i] = ForwardingTables.VXLAN;
        b.outAddress[i] = Ipv4.parse("198.18.0.2").value();
        b.hash[i] = 7;
    }

    /** What a test puts in a batch and sends through an underlay: returns the frames sent. */
    @FunctionalInterface
    private interface UnderlaySend {
        int send(Underlay underlay, dev.weft.fastpath.packet.PacketBatch batch, java.lang.foreign.Arena arena) throws Exception;
    }

    /** Runs {@code send} in a thread in host namespace {@code hostNs}, with an underlay at 198.18.0.1, a batch and an arena; returns what it returns. */
    private static int sendFromHostA(String hostNs, UnderlaySend send) throws Exception {
        CompletableFuture<Integer> sent = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                NetNamespace.enter(hostNs);
                try (Underlay underlay = new Underlay(Ipv4.parse("198.18.0.1").value());
                     dev.weft.fastpath.packet.PacketBatch b = new dev.weft.fastpath.packet.PacketBatch();
                     java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                    sent.complete(send.send(underlay, b, arena));
                }
            } catch (Throwable e) {
                sent.completeExceptionally(e);
            }
        });
        return sent.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** What {@link #sendToReceiverInHostB} sent and what its receiver printed. */
    private record Exchange(int sent, String printed) { }

    /**
     * Starts python3 {@code receiver} in host B's namespace ({@code h[1]}; it prints "bound" once its socket is, then its
     * findings), then runs {@code send} {@link #sendFromHostA from host A}; returns the frames sent and what the receiver
     * printed after "bound", once it has ended.
     */
    private static Exchange sendToReceiverInHostB(String[] h, String receiver, UnderlaySend send) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", h[1], "python3", "-c", receiver).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            assertThat(out.readLine()).as("the receiver bound its socket").isEqualTo("bound"); // a cold python3 takes its time
            int sent = sendFromHostA(h[0], send);
            assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the receiver ended").isTrue();
            return new Exchange(sent, out.lines().collect(java.util.stream.Collectors.joining("\n")).trim());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aFlowsPlainDatagramsAndWholeGsoFramesLeaveInTheOrderTheyCame() throws Exception {
        Netns.requireTool("python3", "python3");
        String[] h = hosts(9000);
        Exchange e = sendToReceiverInHostB(h, """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('198.18.0.2', 4789))
                s.settimeout(5)
                print('bound', flush=True)
                print(' '.join(str(len(s.recv(70000))) for _ in range(3)))
                """, (underlay, b, arena) -> {
            int a = dev.weft.fastpath.Frames.ip("10.1.1.4");
            int c = dev.weft.fastpath.Frames.ip("10.1.1.5");
            long mac = 0x0200_0a01_0104L;
            // one flow: a plain segment, a GSO frame over 1,500 bytes (whole through the tunnel device), a plain segment
            toUnderlay(b, dev.weft.fastpath.Frames.vxlan(5001, dev.weft.fastpath.trace.Probe.tcpData(mac, mac, a, c, 1, 2, 100)), 0, arena);
            toUnderlay(b, dev.weft.fastpath.Frames.vxlan(5001, dev.weft.fastpath.trace.Probe.tcpData(mac, mac, a, c, 1, 2, 3000)), 62, arena);
            toUnderlay(b, dev.weft.fastpath.Frames.vxlan(5001, dev.weft.fastpath.trace.Probe.tcpData(mac, mac, a, c, 1, 2, 200)), 0, arena);
            assertThat(underlay.sendsWhole(b, 1)).isTrue();
            return underlay.send(b, new int[] {0, 1, 2}, 3);
        });
        assertThat(e.sent()).isEqualTo(3);
        assertThat(e.printed()).as("datagram sizes, in the order they arrived")
                .isEqualTo((8 + 54 + 100) + " " + (8 + 54 + 3000) + " " + (8 + 54 + 200));
    }

    @Test
    void aRunOfOneFlowsDatagramsLeavesInMessagesAReceiverHasRoomFor() throws Exception {
        Netns.requireTool("python3", "python3");
        String[] h = hosts();
        Exchange e = sendToReceiverInHostB(h, """
                import socket, struct
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(17, 104, 1)  # UDP_GRO: a run arrives as one buffer, its datagram size alongside
                s.bind(('198.18.0.2', 4789))
                s.settimeout(5)
                print('bound', flush=True)
                seen = []
                while sum(seen) < 64:
                    data, control, _, _ = s.recvmsg(70000, 64)
                    size = struct.unpack('i', control[0][2])[0] if control else len(data)
                    seen.append(len(data) // size)
                print(' '.join(map(str, seen)))
                """, (underlay, b, arena) -> {
            long mac = 0x0200_0a01_0104L;
            int[] all = new int[64];
            for (int k = 0; k < 64; k++) { // one flow's 64 equal datagrams, as a 64-byte UDP flood leaves a batch
                toUnderlay(b, dev.weft.fastpath.Frames.vxlan(5001, dev.weft.fastpath.Frames.udp(mac, mac,
                        dev.weft.fastpath.Frames.ip("10.1.1.4"), dev.weft.fastpath.Frames.ip("10.1.1.5"), 40000, 5201, 18)), 0, arena);
                all[k] = k;
            }
            return underlay.send(b, all, 64);
        });
        assertThat(e.sent()).isEqualTo(64);
        assertThat(e.printed()).as("datagrams per message: never more than a receive keeps room for")
                .isEqualTo(Underlay.WHOLE_DATAGRAMS + " " + (64 - Underlay.WHOLE_DATAGRAMS));
    }

    @Test
    void datagramsOfACoalescedReceiveThatTheBatchHasNoRoomForAreCountedNotLostUnseen() throws Exception {
        Netns.requireTool("python3", "python3");
        String[] h = hosts();
        CompletableFuture<Void> bound = new CompletableFuture<>();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        CompletableFuture<long[]> received = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                NetNamespace.enter(h[1]);
                try (Underlay underlay = new Underlay(Ipv4.parse("198.18.0.2").value());
                     dev.weft.fastpath.packet.PacketBatch b = new dev.weft.fastpath.packet.PacketBatch()) {
                    bound.complete(null);
                    sent.get(10, java.util.concurrent.TimeUnit.SECONDS);
                    Thread.sleep(200); // the last send's way through the veth pair
                    for (int k = 0; k < 91; k++) { // a batch already holding 91 frames: room for 165 more
                        b.nextSlot().fill((byte) 0);
                        b.commit(60, 0);
                    }
                    int taken = underlay.receive(b, underlay.fds()[0]);
                    long fromA = java.util.stream.IntStream.range(91, b.count())
                            .filter(i -> b.underlaySource[i] == Ipv4.parse("198.18.0.1").value() && b.length[i] == 68).count();
                    received.complete(new long[] {taken, underlay.noRoom, fromA, b.count()});
                }
            } catch (Throwable e) {
                bound.completeExceptionally(e);
                received.completeExceptionally(e);
            }
        });
        bound.get(10, java.util.concurrent.TimeUnit.SECONDS);
        // A NIC's UDP GRO (here the sender's UDP_SEGMENT, kept whole by the veth pair) hands over 64 datagrams a buffer,
        // more than the 55 a receive keeps room for: three such buffers into a batch with room for 165.
        exec(h[0], "python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(17, 103, 68)  # UDP_SEGMENT: 68-byte datagrams
                vxlan = bytes([8, 0, 0, 0, 0, 0x13, 0x89, 0]) + bytes(60)  # VNI 5001, a 60-byte frame
                for _ in range(3):
                    s.sendto(vxlan * 64, ('198.18.0.2', 4789))
                """);
        sent.complete(null);
        long[] r = received.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r[0]).as("datagrams taken").isEqualTo(165);
        assertThat(r[2]).as("each one 68 bytes from host A").isEqualTo(165);
        assertThat(r[3]).as("the batch is full").isEqualTo(dev.weft.fastpath.packet.PacketBatch.CAPACITY);
        assertThat(r[1]).as("the rest of the third buffer, counted as no room").isEqualTo(3 * 64 - 165);
    }

    @Test
    void theLinuxKernelsVxlanTakesWeftsWholeGsoFramesAndTcpCrossesBothWays() throws Exception {
        Netns.requireTool("python3", "python3");
        Netns.requireTool("ethtool", "ethtool");
        String[] h = hosts(9000);
        TableSnapshot a = new TableSnapshot(1, List.of(port("tenant-a/web-1", 5001, WEB1_MAC, "10.1.1.4")),
                List.of(mapping(5001, "10.1.1.5", WEB2_MAC, "198.18.0.2")), networks());
        worker(h[0], "198.18.0.1", a, "web1");
        String kvm = kernelVxlanHost(h[1]);
        // A veth pair hands a frame over with its checksums still to compute (CHECKSUM_PARTIAL), which a kernel receiver
        // trusts but a UDP socket can't see; on a real wire the NIC computes them. So the kernel peer computes its own here.
        exec(h[1], "ethtool", "-K", netns.prefix + "ul1", "tx", "off");
        String web1 = netns.prefix + "-web1";
        exec(web1, "ping", "-c", "1", "-W", "2", "10.1.1.5");

        String[] there = transfer(web1, kvm, "10.1.1.5");
        assertThat(there[1]).as("the kernel decapsulates Weft's whole frames and its TCP takes them").isEqualTo(there[0]);
        assertThat(wholeFrames(h[0])).isPositive();
        String[] back = transfer(kvm, web1, "10.1.1.4");
        assertThat(back[1]).as("and the kernel's segments reach Weft's VM").isEqualTo(back[0]);
        assertThat(csumErrors(kvm) + csumErrors(web1)).isZero();
    }

    /** Host {@code hostNs} without Weft: the kernel's VXLAN device in a bridge with a VM (returned) at 10.1.1.5, VNI 5001. */
    private String kernelVxlanHost(String hostNs) throws Exception {
        String kvm = netns.add("kvm");
        String vx = netns.prefix + "vx";
        String br = netns.prefix + "br";
        exec(hostNs, "ip", "link", "add", vx, "type", "vxlan", "id", "5001", "local", "198.18.0.2", "dstport", "4789", "nolearning");
        exec(hostNs, "ip", "link", "add", br, "type", "bridge");
        exec(hostNs, "ip", "link", "set", vx, "master", br);
        sh("ip", "link", "add", netns.prefix + "k0", "netns", hostNs, "type", "veth", "peer", "name", "eth0", "netns", kvm);
        exec(hostNs, "ip", "link", "set", netns.prefix + "k0", "master", br);
        for (String dev : new String[] {vx, br, netns.prefix + "k0"}) {
            exec(hostNs, "ip", "link", "set", dev, "up");
        }
        exec(hostNs, "bridge", "fdb", "append", "00:00:00:00:00:00", "dev", vx, "dst", "198.18.0.1");
        exec(hostNs, "bridge", "fdb", "add", WEB1_MAC, "dev", vx, "dst", "198.18.0.1");
        exec(kvm, "ip", "link", "set", "eth0", "address", WEB2_MAC);
        exec(kvm, "ip", "addr", "add", "10.1.1.5/24", "dev", "eth0");
        exec(kvm, "ip", "link", "set", "eth0", "up");
        exec(kvm, "ip", "neigh", "add", "10.1.1.4", "lladdr", WEB1_MAC, "dev", "eth0"); // Weft answers ARP on its own hosts only
        return kvm;
    }
}

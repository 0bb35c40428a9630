package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.agent.Agent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * manifests-example for real: three host namespaces on one underlay bridge, an agent per host moving
 * packets through TAP devices and VXLAN, a VM namespace per NIC, and the reconcile loop following Git.
 * Needs root; in CI (CI=true) it must run.
 */
class NetnsEndToEndTest extends NetnsLabTest {

    private static String in(String vm, String... command) throws Exception {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = vm;
        System.arraycopy(command, 0, full, 4, command.length);
        return Topology.run(full);
    }

    private static boolean pings(String vm, String target) {
        return NetnsLab.pings(vm, target);
    }

    /** A TCP server in {@code vm} on {@code port} that answers "pong from <vm>" once, in the background. */
    private static Process tcpServer(String vm, int port) throws Exception {
        Process server = new ProcessBuilder("ip", "netns", "exec", vm, "python3", "-c",
                "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                        + "s.bind(('0.0.0.0', " + port + ")); s.listen(1)\nc,_=s.accept()\nn=0\nwhile n < 300000:\n    d=c.recv(65536)\n    if not d: break\n    n+=len(d)\n"
                        + "c.sendall(b'pong from " + vm + " after %d bytes' % n); c.close()")
                .redirectErrorStream(true).start();
        Thread.sleep(300);
        return server;
    }

    private static String tcpClient(String vm, String target, int port) throws Exception {
        return in(vm, "python3", "-c", "import socket\ns=socket.create_connection(('" + target + "', " + port + "), timeout=5)\n"
                + "s.sendall(b'x' * 300000); print(s.recv(100).decode())");
    }

    private void waitForTraffic() throws Exception {
        reconciler = lab.start().reconciler;
    }

    @Test
    void vmsTalkOnOneHostAcrossHostsAndAcrossSubnetsAndTenantsStayApart() throws Exception {
        waitForTraffic();
        assertThat(pings("tenant-a.web-1", "10.1.2.5")).as("routed, same host (db-2 on host-a)").isTrue();
        assertThat(pings("tenant-a.web-1", "10.1.1.5")).as("switched, across hosts (web-2 on host-b)").isTrue();
        assertThat(pings("tenant-a.web-1", "10.1.2.4")).as("routed, across hosts (db-1 on host-c)").isTrue();
        assertThat(pings("tenant-b.app-1", "10.1.2.5")).as("tenant-b, routed across hosts (data-2 on host-c)").isTrue();

        Process server = tcpServer("tenant-a.web-2", 8080);
        assertThat(tcpClient("tenant-a.web-1", "10.1.1.5", 8080)).contains("pong from tenant-a.web-2 after 300000 bytes"); // full-size segments
        server.waitFor(5, TimeUnit.SECONDS);
        io.vertx.core.json.JsonObject underlay = agents.get("host-a").dataplane().packets().stats().getJsonObject("underlay");
        assertThat(underlay.getJsonArray("tunnelDevices").getList()).as("host-a's worker has its tunnel device").containsExactly("weftgso0");
        assertThat(underlay.getLong("tunnelSent")).as("web-1's TSO frames left host-a whole over the 9000-byte underlay").isPositive();
        assertThat(underlay.getLong("tunnelRefused")).isZero();
        assertThat(agents.get("host-b").dataplane().packets().stats().getJsonObject("underlay").getLong("wholeReceived"))
                .as("and reached host-b whole").isPositive();
        io.vertx.core.json.JsonObject ioUring = agents.get("host-b").dataplane().packets().stats().getJsonObject("tap").getJsonObject("ioUring");
        assertThat(ioUring.getString("off")).as("host-b reads and writes its VMs' TAP devices through io_uring").isNull();
        assertThat(ioUring.getLong("operations")).as("reads and writes done through it").isGreaterThanOrEqualTo(ioUring.getLong("enters")).isPositive();
        assertThat(ioUring.getLong("enterFailures")).isZero();

        // weft trace --live of a 64 kB TSO frame: each agent says how its devices send it
        dev.weft.cli.CliRun trace = traceLive("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "tcp", "--dport", "8080", "--tso", "65000");
        assertThat(trace.exitCode()).as(trace.err()).isZero();
        assertThat(trace.out())
                .contains("host-a send GSO frame, 45 segments of 1448 bytes: VXLAN whole through weftgso0, cut by the kernel or NIC where it must be")
                .contains("host-b send GSO frame, 45 segments of 1460 bytes: to the VM whole, its device takes TSO")
                .endsWith("delivered to port tenant-a/web-2 on host-b, one GSO frame of 45 segments\n");

        // Both tenants use 10.1.1.5: each reaches its own. tenant-b's server is not reachable from tenant-a.
        Process tenantB = tcpServer("tenant-b.app-2", 9090);
        assertThat(Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "python3", "-c",
                "import socket; socket.create_connection(('10.1.1.5', 9090), timeout=2)")).isFalse();
        assertThat(tcpClient("tenant-b.app-1", "10.1.1.5", 9090)).contains("pong from tenant-b.app-2");
        tenantB.waitFor(5, TimeUnit.SECONDS);

        // A VM whose MTU is set above the one DHCP gives: its long frames are dropped and counted as such, not as malformed
        in("tenant-a.web-1", "ip", "link", "set", "eth0", "mtu", "9000");
        assertThat(Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "ping", "-c", "2", "-W", "1", "-M", "do", "-s", "3000", "10.1.1.5"))
                .isFalse();
        io.vertx.core.json.JsonObject tap = agents.get("host-a").dataplane().packets().stats().getJsonObject("tap");
        assertThat(tap.getLong("tooLong")).as("3,042-byte frames from web-1").isEqualTo(2);
        assertThat(tap.getLong("malformed")).isZero();
        in("tenant-a.web-1", "ip", "link", "set", "eth0", "mtu", "1500");
        assertThat(pings("tenant-a.web-1", "10.1.1.5")).isTrue();
    }

    /**
     * web-2 takes coalesced UDP (manifests-example): bursts of one flow's datagrams from web-1 reach it as runs written as
     * one frame each, and its socket gets every datagram, whole, none twice.
     */
    @Test
    void burstsOfOneUdpFlowReachAVmThatTakesCoalescedUdpAsTheVeryDatagrams() throws Exception {
        waitForTraffic();
        assertThat(pings("tenant-a.web-1", "10.1.1.5")).isTrue();
        String payload = "k.to_bytes(4, 'big') + bytes((k + j) & 255 for j in range(196))";
        Process receiver = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-2", "python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                s.bind(('0.0.0.0', 9999)); s.settimeout(3)
                print('ready', flush=True)
                n, seen, damaged = 0, set(), 0
                try:
                    while True:
                        d = s.recv(2048); n += 1
                        k = int.from_bytes(d[:4], 'big')
                        damaged += d != %s
                        seen.add(k)
                except socket.timeout:
                    pass
                print(n, len(seen), damaged)
                """.formatted(payload)).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream()));
            assertThat(out.readLine()).isEqualTo("ready");
            long before = agents.get("host-b").dataplane().packets().stats().getJsonObject("tap").getLong("coalescedFrames");
            in("tenant-a.web-1", "python3", "-c", """
                    import socket, time
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    datagrams = [%s for k in range(5000)]
                    for port in 9998, 9999: # the first round, to no one, while the JIT compiles the path; then the counted one
                        for k, d in enumerate(datagrams):
                            s.sendto(d, ('10.1.1.5', port))
                            if k %% 50 == 49: time.sleep(0.002)
                    """.formatted(payload));
            assertThat(receiver.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(out.readLine()).as("datagrams received, distinct, damaged").isEqualTo("5000 5000 0");
            io.vertx.core.json.JsonObject tap = agents.get("host-b").dataplane().packets().stats().getJsonObject("tap");
            assertThat(tap.getLong("coalescedFrames") - before).as("runs written to web-2 as one frame each").isPositive();
            assertThat(NetnsLab.snmp("tenant-a.web-2", "Udp:", "InCsumErrors")).isZero();
        } finally {
            receiver.destroyForcibly();
        }
    }

    @Test
    void anAddressOnlyAnotherTenantHasIsUnreachableAndTheDropIsCounted() throws Exception {
        repo.append("tenants/tenant-b/nics.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: app-9, namespace: tenant-b}
                spec: {virtualNetwork: red, subnet: app, host: host-b, macAddress: "02:01:0a:01:01:09", ipAddress: 10.1.1.9}
                """).commit("tenant-b app-9");
        waitForTraffic();
        await().atMost(Duration.ofSeconds(10)).until(() -> pings("tenant-b.app-1", "10.1.1.9"));
        long before = drops(agents.get("host-a"));
        assertThat(pings("tenant-a.web-1", "10.1.1.9")).isFalse();
        assertThat(drops(agents.get("host-a"))).isGreaterThan(before);
    }

    private static long drops(Agent agent) {
        return agent.dataplane().packets().stats().getJsonObject("drops").getMap().values().stream()
                .mapToLong(v -> ((Number) v).longValue()).sum();
    }

    @Test
    void aCommitThatMovesANicConvergesAndTrafficResumes() throws Exception {
        waitForTraffic();
        String moved = repo.replace("tenants/tenant-a/nics.yaml", "  subnet: web\n  host: host-b\n", "  subnet: web\n  host: host-c\n")
                .commit("move web-2 to host-c").name();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() ->
                reconciler.status().revision().equals(moved) && reconciler.status().allSynced() && pings("tenant-a.web-1", "10.1.1.5"));
        assertThat(agents.get("host-c").dataplane().packets().stats().getJsonObject("ports").getMap()).containsKey("tenant-a/web-2");
        assertThat(agents.get("host-b").dataplane().packets().stats().getJsonObject("ports").getMap()).doesNotContainKey("tenant-a/web-2");
    }
}

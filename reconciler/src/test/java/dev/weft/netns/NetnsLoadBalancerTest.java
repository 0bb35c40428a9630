package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A load balancer's private frontend with real packets, on manifests-example: 10.1.1.101:80 in tenant-a's
 * network blue spreads over web-1 (host-a), web-2 (host-b) and db-1 (host-c), each answering with its name; the
 * client db-2 is on host-a. Needs root and python3; in CI it must run.
 */
class NetnsLoadBalancerTest extends NetnsLabTest {

    static final String LB = """
            ---
            apiVersion: weft.dev/v1alpha1
            kind: LoadBalancer
            metadata: {name: test-lb, namespace: tenant-a}
            spec:
              frontendIPConfigurations:
                - {name: fe, virtualNetwork: blue, subnet: web, privateIPAddress: 10.1.1.101}
              backendAddressPools:
                - {name: pool, networkInterfaces: [web-1, web-2, db-1]}
              loadBalancingRules:
                - {name: http, frontendIPConfiguration: fe, backendAddressPool: pool, protocol: Tcp, frontendPort: 80, backendPort: 8080}
            """;

    /** For every line a connection sends, answers "NAME CLIENT-ADDRESS". */
    private static final String NAMED_SERVER = """
            import socket, sys, threading
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', 8080)); s.listen(64)
            def serve(c, a):
                f = c.makefile('rwb', 0)
                for line in f:
                    f.write(('%s %s\\n' % (sys.argv[1], a[0])).encode())
                c.close()
            while True:
                c, a = s.accept(); threading.Thread(target=serve, args=(c, a), daemon=True).start()
            """;
    /** Connects, then for every line of its standard input sends it and prints the answer. */
    private static final String CLIENT = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
            f = s.makefile('rwb', 0)
            for line in sys.stdin:
                f.write(line.encode()); print(f.readline().decode().strip(), flush=True)
            """;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private void serve(String vm, String name) throws Exception {
        processes.add(new ProcessBuilder("ip", "netns", "exec", vm, "python3", "-c", NAMED_SERVER, name).redirectErrorStream(true).start());
    }

    /** One request from {@code vm} on a new connection to the private frontend 10.1.1.101:80: the answer, or "" when it failed. */
    private static String ask(String vm) {
        return ask(vm, "10.1.1.101", 80);
    }

    /** One request from namespace {@code from} on a new connection to {@code address}:{@code port}: the answer, or "" when it failed. */
    private static String ask(String from, String address, int port) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", from, "python3", "-c", CLIENT, address, Integer.toString(port))
                    .redirectErrorStream(true).start();
            try (PrintWriter in = new PrintWriter(p.getOutputStream(), true)) {
                in.println("hello");
            }
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) {
                System.err.println("ask from " + from + " to " + address + ":" + port + " failed: " + out.lines().reduce((x, y) -> y).orElse(""));
                return "";
            }
            return out;
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void aBackendsIcmpErrorReachesTheClientFromTheFrontendSoARefusedUdpQueryIsSeenAtOnce() throws Exception {
        repo.append("tenants/tenant-a/public.yaml", LB.replace("test-lb", "udp-lb").replace("10.1.1.101", "10.1.1.102")
                .replace("{name: http, frontendIPConfiguration: fe, backendAddressPool: pool, protocol: Tcp, frontendPort: 80, backendPort: 8080}",
                        "{name: dns, frontendIPConfiguration: fe, backendAddressPool: pool, protocol: Udp, frontendPort: 53, backendPort: 5353}")).commit("udp-lb");
        reconciler = lab.start().reconciler;
        // nothing listens on 5353: each backend answers with an ICMP port unreachable about the datagram it got, which
        // reaches db-2 from the frontend, about the datagram db-2 sent to 10.1.1.102:53, so its socket is refused at once
        for (int k = 0; k < 6; k++) {
            assertThat(Topology.run("ip", "netns", "exec", "tenant-a.db-2", "python3", "-c", NetnsNorthSouthTest.UDP_PROBE, "10.1.1.102", "53").trim())
                    .as("probe " + k).isEqualTo("refused");
        }
    }

    @Test
    void connectionsSpreadOverTheBackendsWhichSeeTheClientAndKeepTheirBackendWhenAnotherGoes() throws Exception {
        repo.append("tenants/tenant-a/public.yaml", LB).commit("web-lb");
        reconciler = lab.start().reconciler;
        serve("tenant-a.web-1", "web-1");
        serve("tenant-a.web-2", "web-2");
        serve("tenant-a.db-1", "db-1");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> ask("tenant-a.db-2").startsWith("web-")
                || ask("tenant-a.db-2").startsWith("db-"));

        Set<String> answered = new HashSet<>();
        for (int k = 0; k < 30; k++) {
            String answer = ask("tenant-a.db-2");
            assertThat(answer).as("request " + k).matches("(web-1|web-2|db-1) 10\\.1\\.2\\.5");
            answered.add(answer.split(" ")[0]);
        }
        assertThat(answered).as("30 connections reach every backend, which sees the client's own address").containsExactlyInAnyOrder("web-1", "web-2", "db-1");
        assertThat(ask("tenant-b.app-1")).as("another tenant's network has no such frontend").isEmpty();

        // a long-lived connection keeps its backend while another backend leaves the pool
        Process client = new ProcessBuilder("ip", "netns", "exec", "tenant-a.db-2", "python3", "-c", CLIENT, "10.1.1.101", "80").start();
        processes.add(client);
        PrintWriter to = new PrintWriter(client.getOutputStream(), true);
        BufferedReader from = new BufferedReader(new InputStreamReader(client.getInputStream()));
        to.println("first");
        String backend = from.readLine().split(" ")[0];
        String leaving = backend.equals("web-2") ? "web-1" : "web-2";
        String revision = repo.replace("tenants/tenant-a/public.yaml", "networkInterfaces: [web-1, web-2, db-1]",
                "networkInterfaces: " + List.of("web-1", "web-2", "db-1").stream().filter(n -> !n.equals(leaving)).toList()).commit("without " + leaving).name();
        await().atMost(Duration.ofSeconds(15)).until(() -> reconciler.status().allSynced() && reconciler.status().revision().equals(revision));
        to.println("second");
        assertThat(from.readLine()).as("the same connection, after " + leaving + " left").startsWith(backend + " ");
        for (int k = 0; k < 10; k++) {
            assertThat(ask("tenant-a.db-2")).as("new connections avoid the backend that left").doesNotStartWith(leaving + " ").isNotEmpty();
        }
    }

    @Test
    void aBackendWhoseServerStopsGetsNoNewConnectionsUntilItIsBackAndAPoolWithNoneRefusesThem() throws Exception {
        repo.append("tenants/tenant-a/public.yaml", LB).commit("test-lb");
        reconciler = lab.start().reconciler;
        serve("tenant-a.web-1", "web-1");
        serve("tenant-a.web-2", "web-2");
        Process db1 = new ProcessBuilder("ip", "netns", "exec", "tenant-a.db-1", "python3", "-c", NAMED_SERVER, "db-1").redirectErrorStream(true).start();
        processes.add(db1);
        String rule = "tenant-a/test-lb/http";
        Set<String> up = new HashSet<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            up.add(ask("tenant-a.db-2").split(" ")[0]);
            return up.containsAll(List.of("web-1", "web-2", "db-1"));
        });
        // the probe comes once every server listens (a probe of a server that isn't up yet fails, rightly)
        String probed = repo.replace("tenants/tenant-a/public.yaml", "  loadBalancingRules:\n", """
                  probes:
                    - {name: tcp, protocol: Tcp, port: 8080, intervalInSeconds: 1, numberOfProbes: 2}
                  loadBalancingRules:
                """).replace("tenants/tenant-a/public.yaml", "backendPort: 8080}", "backendPort: 8080, probe: tcp}").commit("test-lb with a probe").name();
        await().atMost(Duration.ofSeconds(15)).until(() -> reconciler.status().allSynced() && reconciler.status().revision().equals(probed)
                && reconciler.status().backends().size() == 3);

        db1.destroyForcibly(); // its server stops: the probe's SYN gets a RST
        db1.waitFor();
        await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.FALSE.equals(reconciler.status().backends().get(rule + "|tenant-a/db-1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> reconciler.status().allSynced());
        // the client's host (db-2's, host-a) holds the pool with db-1 out: from here on no new connection may reach it
        await().atMost(Duration.ofSeconds(10)).until(() -> programmedHealth("host-a", "db-1").equals(List.of(false)));
        // At most one failure is tolerated, and no answer may come from db-1.
        int failed = 0;
        for (int k = 0; k < 20; k++) {
            String answer = ask("tenant-a.db-2");
            if (answer.isEmpty()) {
                failed++;
                continue;
            }
            assertThat(answer).as("request %d after db-1 went unhealthy", k).matches("(web-1|web-2) 10\\.1\\.2\\.5");
        }
        assertThat(failed).as("requests that failed after db-1 went unhealthy").isLessThanOrEqualTo(1);

        serve("tenant-a.db-1", "db-1"); // back
        await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(reconciler.status().backends().get(rule + "|tenant-a/db-1")));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> ask("tenant-a.db-2").startsWith("db-1 "));

        processes.forEach(Process::destroyForcibly); // every server stops: the pool has no healthy backend
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().backends().values().stream().noneMatch(h -> h));
        await().atMost(Duration.ofSeconds(10)).until(() -> reconciler.status().allSynced());
        Process p = new ProcessBuilder("ip", "netns", "exec", "tenant-a.db-2", "python3", "-c", CLIENT, "10.1.1.101", "80").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(out).as("refused at once, not left to time out").contains("ConnectionRefusedError");
        assertThat(agents.get("host-a").dataplane().packets().nodeDrops("ip4-lookup", dev.weft.fastpath.packet.DropReason.NO_HEALTHY_BACKEND)).isPositive();
    }

    @Test
    void aPublicFrontendIsReachedFromTheInternetThroughItsGatewayHostAndTheBackendsSeeTheClient() throws Exception {
        repo.append("tenants/tenant-a/public.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: PublicIPAddress
                metadata: {name: web-vip, namespace: tenant-a}
                spec: {logicalNetwork: internet, ipAddress: 203.0.113.30}
                """ + LB.replace("{name: fe, virtualNetwork: blue, subnet: web, privateIPAddress: 10.1.1.101}", "{name: fe, publicIPAddress: web-vip}")
                .replace("[web-1, web-2, db-1]", "[web-2, db-1]") + """
                  inboundNatRules:
                    - {name: to-web-2, frontendIPConfiguration: fe, protocol: Tcp, frontendPort: 50001, backendNetworkInterface: web-2, backendPort: 8080}
                """).commit("a public frontend");
        reconciler = lab.start().reconciler;
        serve("tenant-a.web-2", "web-2");
        serve("tenant-a.db-1", "db-1");
        java.util.function.Supplier<String> fromInternet = () -> ask(Topology.INTERNET, "203.0.113.30", 80);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> !fromInternet.get().isEmpty());
        Set<String> answered = new HashSet<>();
        for (int k = 0; k < 20; k++) {
            String answer = fromInternet.get();
            assertThat(answer).as("request " + k).matches("(web-2|db-1) 203\\.0\\.113\\.1");
            answered.add(answer.split(" ")[0]);
        }
        assertThat(answered).as("the internet's connections reach both backends, which see the client's address").containsExactlyInAnyOrder("web-2", "db-1");
        String mux = reconciler.status().muxes().get("tenant-a/test-lb");
        assertThat(mux).as("weft status names the Gateway host that is the frontend's MUX").isIn("host-b", "host-c");
        assertThat(agents.get(mux).dataplane().packets().nodePackets("nat-in")).as("and the internet's packets came in there").isPositive();
        for (int k = 0; k < 5; k++) {
            assertThat(ask(Topology.INTERNET, "203.0.113.30", 50001)).as("the inbound NAT rule's port reaches its one interface").isEqualTo("web-2 203.0.113.1");
        }
    }

    @Test
    void withAFloatingIpTheBackendsGetTheFrontendsAddressAndAnswerFromTheirOwnHostsUplink() throws Exception {
        NetnsLab.requireTool("tshark", "tshark");
        repo.append("tenants/tenant-a/public.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: PublicIPAddress
                metadata: {name: dsr-vip, namespace: tenant-a}
                spec: {logicalNetwork: internet, ipAddress: 203.0.113.31}
                """ + LB.replace("{name: fe, virtualNetwork: blue, subnet: web, privateIPAddress: 10.1.1.101}", "{name: fe, publicIPAddress: dsr-vip}")
                .replace("[web-1, web-2, db-1]", "[web-2, db-1]").replace("frontendPort: 80, backendPort: 8080}",
                        "frontendPort: 8080, backendPort: 8080, enableFloatingIP: true}")).commit("direct server return");
        reconciler = lab.start().reconciler;
        for (String vm : List.of("tenant-a.web-2", "tenant-a.db-1")) {
            Topology.run("ip", "netns", "exec", vm, "ip", "addr", "add", "203.0.113.31/32", "dev", "lo"); // the backend holds the frontend's address
        }
        serve("tenant-a.web-2", "web-2");
        serve("tenant-a.db-1", "db-1");
        java.nio.file.Path captured = dir.resolve("dsr.tsv");
        Process capture = NetnsLab.tshark(Topology.UNDERLAY, captured, "-l", "-n", "-i", "br0", "-f",
                "tcp and src host 203.0.113.31", "-T", "fields", "-e", "eth.src");
        processes.add(capture);
        java.util.function.Supplier<String> ask = () -> ask(Topology.INTERNET, "203.0.113.31", 8080);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> !ask.get().isEmpty());
        Set<String> answered = new HashSet<>();
        for (int k = 0; k < 20; k++) {
            String answer = ask.get();
            assertThat(answer).as("request " + k).matches("(web-2|db-1) 203\\.0\\.113\\.1");
            answered.add(answer.split(" ")[0]);
        }
        assertThat(answered).containsExactlyInAnyOrder("web-2", "db-1");
        Thread.sleep(1000);
        capture.destroy();
        capture.waitFor();
        Set<String> sources = new HashSet<>(java.nio.file.Files.readAllLines(captured));
        sources.remove("");
        String hostB = Topology.run("ip", "-n", "host.host-b", "-br", "link", "show", "eth1").trim().split("\\s+")[2];
        String hostC = Topology.run("ip", "-n", "host.host-c", "-br", "link", "show", "eth1").trim().split("\\s+")[2];
        assertThat(sources).as("replies leave from each backend's own host (host-b for web-2, host-c for db-1), not all from the MUX")
                .containsExactlyInAnyOrder(hostB, hostC);
    }

    /** How host {@code host}'s agent holds backend {@code nic} in its load balancers' rules: healthy or not, per rule. */
    List<Boolean> programmedHealth(String host, String nic) {
        return agents.get(host).store().state().objects().values().stream()
                .filter(o -> o.kind() == dev.weft.contract.ObjectKind.LoadBalancer)
                .flatMap(o -> o.spec(dev.weft.contract.LoadBalancerSpec.class).rules().stream())
                .flatMap(r -> r.backends().stream()).filter(b -> b.name().endsWith(nic)).map(dev.weft.contract.LoadBalancerSpec.Backend::healthy).toList();
    }
}

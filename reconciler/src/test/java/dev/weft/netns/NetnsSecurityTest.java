package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A network security group committed to Git filters real TCP between VM namespaces. Needs root; runs in CI. */
class NetnsSecurityTest extends NetnsLabTest {

    static final String NSG = """
            ---
            apiVersion: weft.dev/v1alpha1
            kind: NetworkSecurityGroup
            metadata: {name: web-nsg, namespace: tenant-a}
            spec:
              securityRules:
                - {name: allow-app, priority: 100, direction: Inbound, action: Allow, protocol: TCP, destinationPortRanges: ["8080"]}
                - {name: deny-rest, priority: 4096, direction: Inbound, action: Deny, logging: Enabled}
            """;

    @BeforeEach
    void filterWeb2() throws Exception {
        // web-2 (host-b, 10.1.1.5) is filtered by web-nsg
        repo.append("tenants/tenant-a/nics.yaml", NSG)
                .replace("tenants/tenant-a/nics.yaml", "  macAddress: \"02:00:0a:01:01:05\"\n", "  macAddress: \"02:00:0a:01:01:05\"\n  networkSecurityGroup: web-nsg\n")
                .commit("web-nsg on web-2");
        reconciler = lab.start("tenant-a.web-2", "10.1.1.4").reconciler; // web-2's own flows pass
    }

    /** An echo server in web-2 on {@code port}: every line comes back. */
    private static Process echoServer(int port) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-2", "python3", "-u", "-c",
                "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', " + port + ")); s.listen(5)\n"
                        + "while True:\n  c,_=s.accept()\n  f=c.makefile('rwb', 0)\n  for line in f:\n    f.write(line)\n")
                .redirectErrorStream(true).start();
        Thread.sleep(400);
        return p;
    }

    private static boolean connects(int port) {
        return Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "python3", "-c",
                "import socket; s=socket.create_connection(('10.1.1.5', " + port + "), timeout=2); s.sendall(b'x\\n'); assert s.recv(10)");
    }

    @Test
    void onlyTheAllowedPortIsReachableAndARuleChangeCutsAnEstablishedConnection() throws Exception {
        Process app = echoServer(8080);
        Process ssh = echoServer(2222);
        try {
            assertThat(connects(8080)).as("allowed by allow-app").isTrue();
            assertThat(connects(2222)).as("denied by deny-rest").isFalse();
            assertThat(Topology.quietly("ip", "netns", "exec", "tenant-a.web-2", "ping", "-c", "1", "-W", "1", "10.1.1.4"))
                    .as("web-2's own outbound flows and their replies pass").isTrue();

            // deny-rest logs what it denies; /v1/stats counts every rule's flows
            Path audit = dir.resolve("agents").resolve("host-b").resolve("audit");
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.isDirectory(audit) && Files.list(audit).findAny().isPresent());
            String log;
            try (var files = Files.list(audit)) {
                log = Files.readString(files.findFirst().orElseThrow());
            }
            assertThat(log).contains("\"rule\":\"deny-rest\"").contains("\"action\":\"Deny\"").contains("\"destinationPort\":2222")
                    .contains("\"direction\":\"Inbound\"").contains("\"sourceAddress\":\"10.1.1.4\"").doesNotContain("allow-app");
            var hits = agents.get("host-b").dataplane().packets().stats().getJsonObject("securityRules").getJsonObject("tenant-a/web-nsg");
            assertThat(hits.getLong("allow-app")).isGreaterThanOrEqualTo(1);
            assertThat(hits.getLong("deny-rest")).isGreaterThanOrEqualTo(1);
            // and /metrics shows the fastpath's per-node counters: what the security node saw and denied
            String metrics = metrics("host-b");
            assertThat(metric(metrics, "weft_fastpath_node_packets_total", "node=\"security\"")).isGreaterThanOrEqualTo(2);
            assertThat(metric(metrics, "weft_fastpath_drops_total", "node=\"security\"", "reason=\"SECURITY_DENIED\"")).isGreaterThanOrEqualTo(1);
            // and what its worker did: the frames it handled, in batches, and the time that took
            assertThat(metric(metrics, "weft_worker_frames_total", "worker=\"0\"")).isGreaterThanOrEqualTo(2);
            assertThat(metric(metrics, "weft_worker_batches_total", "worker=\"0\"")).isGreaterThanOrEqualTo(1);
            assertThat(metric(metrics, "weft_worker_busy_seconds_total", "worker=\"0\"")).isPositive();
            assertThat(metric(metrics, "weft_worker_sleeps_total", "worker=\"0\"")).isPositive();
            var worker = agents.get("host-b").dataplane().packets().stats().getJsonArray("workers").getJsonObject(0);
            assertThat(worker.getLong("frames")).isGreaterThanOrEqualTo(2);
            assertThat(worker.getDouble("framesPerBatch")).isGreaterThanOrEqualTo(1.0);

            // A client keeps one connection open, sending a line each time a flag file appears.
            Path flag = dir.resolve("send");
            Process client = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-1", "python3", "-u", "-c",
                    "import socket, os, time\ns=socket.create_connection(('10.1.1.5', 8080), timeout=3)\n"
                            + "for n in range(2):\n  while not os.path.exists('" + flag + "' + str(n)): time.sleep(0.05)\n"
                            + "  s.sendall(b'ping\\n')\n  try:\n    print('reply' if s.recv(10) else 'closed')\n  except Exception as e:\n    print('cut')\n")
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            Files.createFile(Path.of(flag + "0"));
            assertThat(out.readLine()).isEqualTo("reply");

            String cut = repo.replace("tenants/tenant-a/nics.yaml", "destinationPortRanges: [\"8080\"]", "destinationPortRanges: [\"9090\"]")
                    .commit("close 8080").name();
            await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(cut) && reconciler.status().allSynced());
            Files.createFile(Path.of(flag + "1"));
            assertThat(out.readLine()).as("the established connection is cut by the new rules").isEqualTo("cut");
            client.waitFor(10, TimeUnit.SECONDS);
            assertThat(connects(8080)).isFalse();
        } finally {
            app.destroyForcibly();
            ssh.destroyForcibly();
        }
    }

    /** The value of the Prometheus sample named {@code name} whose labels include every one of {@code labels}. */
    private static double metric(String scrape, String name, String... labels) {
        return scrape.lines().filter(l -> l.startsWith(name + "{") && java.util.Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " with " + String.join(", ", labels) + " in:\n" + scrape));
    }
}

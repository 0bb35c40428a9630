package dev.weft.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.contract.client.AgentClient;
import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.MappingSpec;
import dev.weft.contract.AgentState;
import dev.weft.contract.Batch;
import dev.weft.contract.Encapsulation;
import dev.weft.contract.Wire;
import dev.weft.contract.Op;
import dev.weft.cli.ExampleRepo;
import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import dev.weft.source.GitSource;
import dev.weft.source.Sources;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real agent process, killed with SIGKILL while it applies a large batch. */
class AgentCrashTest {

    @TempDir
    Path dir;

    Process agent;

    @AfterEach
    void kill() {
        if (agent != null) {
            agent.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private AgentClient startAgent(int port) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        agent = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.weft.cli.Main", "agent", "--host", "host-a", "--listen", "127.0.0.1:" + port, "--state-dir", dir.resolve("state").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
        AgentClient client = new AgentClient(URI.create("http://127.0.0.1:" + port), Optional.empty(), Optional.empty(), Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> client.summary() != null);
        return client;
    }

    private static List<Op> mappings(int count, String providerAddress) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HostObject mapping = new MappingSpec(7000, new Ipv4(0x0a000000 + i), new MacAddress(0x0200_0000_0000L + i),
                    Ipv4.parse(providerAddress), Encapsulation.VXLAN).toObject();
            ops.add(Op.upsert(mapping));
        }
        return ops;
    }

    private static Digest digest(List<Op> ops) {
        return ops.stream().map(op -> op.object().digest()).reduce(Digest.ZERO, Digest::plus);
    }

    @Test
    void killedMidBatchTheAgentRestartsWithTheOldOrTheNewSliceNeverAMixAndTheLoopConverges() throws Exception {
        int port = freePort();
        AgentClient client = startAgent(port);
        List<Op> oldSlice = mappings(20_000, "198.18.0.2");
        assertThat(client.apply(new Batch(1, "old", null, oldSlice)).ok()).isTrue();
        Digest oldDigest = digest(oldSlice);
        List<Op> newSlice = mappings(20_000, "198.18.0.3"); // same keys, every spec changed
        Digest newDigest = digest(newSlice);
        String body = Wire.write(new Batch(2, "new", null, newSlice));

        List<String> outcomes = new ArrayList<>();
        for (long delay : new long[] {5, 60, 150, 300, 600}) {
            HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/apply"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
            Thread.sleep(delay);
            agent.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush
            client = startAgent(port);
            AgentState restored = client.state();
            assertThat(restored.digest()).as("after a kill %d ms into the batch", delay).isIn(oldDigest, newDigest);
            boolean isNew = restored.digest().equals(newDigest);
            assertThat(restored.revision()).isEqualTo(isNew ? "new" : "old");
            assertThat(restored.objects()).hasSize(20_000);
            assertThat(restored.objects().values()).allSatisfy(o -> assertThat(o.spec(MappingSpec.class).providerAddress().toString())
                    .isEqualTo(isNew ? "198.18.0.3" : "198.18.0.2"));
            outcomes.add(isNew ? "new" : "old");
            if (isNew) { // roll back to the old slice for the next round
                assertThat(client.apply(new Batch(2, "old", null, oldSlice)).ok()).isTrue();
            }
        }
        System.out.println("kill -9 outcomes by delay: " + outcomes);

        // The reconcile loop then converges the agent to the manifests, whatever it restarted with.
        try (ExampleRepo repo = new ExampleRepo(dir.resolve("repo"));
             Reconciler reconciler = new Reconciler((GitSource) Sources.open(repo.dir().toString(), dir.resolve("cache")), "main",
                     new Fleet(AgentAccess.of(Map.of("host-a", URI.create("http://127.0.0.1:" + port)), Optional.empty(), Optional.empty(),
                             Duration.ofSeconds(10)), RetryPolicy.DEFAULT), 3, Duration.ofMillis(200), s -> { })) {
            reconciler.start();
            AgentClient last = client;
            await().atMost(Duration.ofSeconds(20)).until(() -> last.summary().digest().equals(reconciler.compiled().digest("host-a")));
        }
    }
}

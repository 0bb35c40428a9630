package dev.weft.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.contract.Batch;
import dev.weft.contract.Op;
import dev.weft.contract.ObjectKey;
import dev.weft.contract.ObjectKind;
import dev.weft.cli.ExampleRepo;
import dev.weft.source.GitSource;
import dev.weft.source.Sources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {

    @TempDir
    Path dir;

    ExampleRepo repo;
    Fleetlet fleet;

    @BeforeEach
    void setUp() throws Exception {
        repo = new ExampleRepo(dir.resolve("repo"));
        fleet = new Fleetlet(dir.resolve("agents"));
    }

    @AfterEach
    void tearDown() throws Exception {
        fleet.close();
        repo.close();
    }

    private Reconciler reconciler(long epoch, Duration interval) throws Exception {
        GitSource source = (GitSource) Sources.open(repo.dir().toString(), dir.resolve("cache"));
        return new Reconciler(source, "main", fleet.fleet(), epoch, interval, status -> { });
    }

    private static boolean allSyncedAt(ReconcilerStatus status, String revision) {
        return status.allSynced() && status.revision().equals(revision) && status.hosts().stream().allMatch(h -> h.revision().equals(revision));
    }

    @Test
    void programsEveryHostThenSendsNothingWhenNothingChanged() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(1))) {
            ReconcilerStatus first = reconciler.reconcileOnce();
            assertThat(first.allSynced()).isTrue();
            assertThat(first.hosts()).extracting(HostStatus::ops).containsExactly(20, 18, 20);
            ReconcilerStatus second = reconciler.reconcileOnce();
            assertThat(second.hosts()).extracting(HostStatus::ops).containsExactly(0, 0, 0);
            assertThat(fleet.agents.get("host-a").store().state().digest()).isEqualTo(reconciler.compiled().digest("host-a"));
        }
    }

    @Test
    void aRestartedReconcilerConvergesWithoutResendingToHostsInSync() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(1))) {
            reconciler.reconcileOnce();
        }
        long batches = fleet.appliedBatches("host-a") + fleet.appliedBatches("host-b") + fleet.appliedBatches("host-c");
        try (Reconciler restarted = reconciler(2, Duration.ofMinutes(1))) {
            ReconcilerStatus status = restarted.reconcileOnce();
            assertThat(status.allSynced()).isTrue();
            assertThat(status.hosts()).extracting(HostStatus::ops).containsOnly(0);
        }
        assertThat(fleet.appliedBatches("host-a") + fleet.appliedBatches("host-b") + fleet.appliedBatches("host-c")).isEqualTo(batches);
    }

    @Test
    void driftIsHealedWithinOneLoop() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMillis(200))) {
            reconciler.reconcileOnce();
            var agentA = fleet.agents.get("host-a");
            // Someone edits host-a's table by hand: a Port disappears.
            agentA.store().apply(new Batch(1, "by hand", null, List.of(Op.delete(new ObjectKey(ObjectKind.Port, "tenant-a/web-1")))));
            assertThat(agentA.store().state().digest()).isNotEqualTo(reconciler.compiled().digest("host-a"));
            reconciler.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> agentA.store().state().digest().equals(reconciler.compiled().digest("host-a")));
        }
    }

    @Test
    void driftIsNoticedByTheWatchAndHealedWithoutWaitingForTheInterval() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(10))) {
            reconciler.start();
            String first = repo.git().getRepository().resolve("main").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), first));
            Thread.sleep(500); // let the watches settle on the programmed digests
            var agentB = fleet.agents.get("host-b");
            agentB.store().apply(new Batch(1, "by hand", null, List.of(Op.delete(new ObjectKey(ObjectKind.Port, "tenant-a/web-2")))));
            await().atMost(Duration.ofSeconds(5)).until(() -> agentB.store().state().digest().equals(reconciler.compiled().digest("host-b")));
        }
    }

    @Test
    void aNewCommitConvergesAndAnInvalidOneIsReportedAndNotApplied() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMillis(100))) {
            reconciler.start();
            String first = repo.git().getRepository().resolve("main").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), first));

            String second = repo.replace("tenants/tenant-a/nics.yaml", "  host: host-b\n", "  host: host-c\n").commit("move web-2").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), second));
            assertThat(fleet.agents.get("host-c").store().state().objects()).containsKey(new ObjectKey(ObjectKind.Port, "tenant-a/web-2"));
            assertThat(fleet.agents.get("host-b").store().state().objects()).doesNotContainKey(new ObjectKey(ObjectKind.Port, "tenant-a/web-2"));

            String broken = repo.replace("tenants/tenant-a/nics.yaml", "ipAddress: 10.1.1.4", "ipAddress: 10.1.9.4").commit("typo").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> reconciler.status().invalidRevision().equals(broken));
            ReconcilerStatus status = reconciler.status();
            assertThat(status.revision()).isEqualTo(second);
            assertThat(status.errors()).singleElement().asString().contains("10.1.9.4 is outside subnet web");
            assertThat(status.allSynced()).isTrue();
            assertThat(fleet.agents.get("host-a").store().state().revision()).isEqualTo(second);
        }
    }

    @Test
    void hostileManifestsDontStopTheLoop() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMillis(100))) {
            reconciler.start();
            String good = repo.git().getRepository().resolve("main").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), good));

            StringBuilder bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for (int level = 1; level <= 9; level++) {
                bomb.append("a").append(level).append(": &a").append(level).append(" [").append(String.join(", ",
                        java.util.Collections.nCopies(10, "*a" + (level - 1)))).append("]\n");
            }
            String hostile = repo.write("bomb.yaml", bomb.toString())
                    .write("deep.yaml", "kind: Host\nspec: " + "[".repeat(5000) + "]".repeat(5000) + "\n")
                    .write("loop.yaml", "kind: Host\nspec: &loop\n  self: *loop\n").commit("hostile").name();
            await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().invalidRevision().equals(hostile));
            assertThat(reconciler.status().revision()).isEqualTo(good);
            assertThat(reconciler.status().errors()).anyMatch(e -> e.startsWith("bomb.yaml:")).anyMatch(e -> e.startsWith("deep.yaml:"))
                    .anyMatch(e -> e.startsWith("loop.yaml:"));

            repo.delete("bomb.yaml").delete("deep.yaml").delete("loop.yaml");
            String fixed = repo.replace("tenants/tenant-a/nics.yaml", "  host: host-b\n", "  host: host-c\n").commit("clean up, move web-2").name();
            await("the loop is still running").atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), fixed));
        }
    }

    @Test
    void aGitUrlIsFetchedEveryLoop() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        GitSource source = (GitSource) Sources.open("file://" + repo.dir(), dir.resolve("cache"));
        try (Reconciler reconciler = new Reconciler(source, "main", fleet.fleet(), 1, Duration.ofMillis(100), s -> { })) {
            reconciler.start();
            String second = repo.replace("tenants/tenant-b/network.yaml", "10.1.2.0/24", "10.1.2.0/23").commit("widen data").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), second));
        }
    }

    @Test
    void weftStatusExitCodesFollowTheHosts() throws Exception {
        fleet.start("host-a", "host-c").unreachable("host-b");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(1));
             StatusServer server = new StatusServer(reconciler, Optional.empty())) {
            int port = server.start("127.0.0.1", 0);
            reconciler.reconcileOnce();
            dev.weft.cli.CliRun someNotSynced = dev.weft.cli.CliRun.of("status", "--server", "http://127.0.0.1:" + port);
            assertThat(someNotSynced.exitCode()).isEqualTo(2);
            assertThat(someNotSynced.out()).containsPattern("host-b +Unreachable");
        }
        dev.weft.cli.CliRun unreachable = dev.weft.cli.CliRun.of("status", "--server", "http://127.0.0.1:9");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.err()).contains("cannot reach the reconciler at http://127.0.0.1:9: connection refused").doesNotContain("null");
    }

    @Test
    void weftStatusWaitsUntilEveryHostIsSyncedOrTheTimeout() throws Exception {
        fleet.start("host-a", "host-c").unreachable("host-b");
        try (Reconciler reconciler = reconciler(1, Duration.ofMillis(200));
             StatusServer server = new StatusServer(reconciler, Optional.empty())) {
            int port = server.start("127.0.0.1", 0);
            reconciler.start();
            long started = System.nanoTime();
            dev.weft.cli.CliRun timedOut = dev.weft.cli.CliRun.of("status", "--server", "http://127.0.0.1:" + port, "--wait", "3s");
            assertThat(timedOut.exitCode()).as("host-b never answers").isEqualTo(2);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
            assertThat(timedOut.out()).containsPattern("host-b +Unreachable");
            assertThat(timedOut.err()).contains("not every host was Synced within 3s");

            var waiting = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> dev.weft.cli.CliRun.of("status", "--server", "http://127.0.0.1:" + port, "--wait", "60s"));
            Thread.sleep(1500);
            assertThat(waiting).as("still waiting for host-b").isNotDone();
            fleet.start("host-b");
            dev.weft.cli.CliRun synced = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(synced.exitCode()).as("host-b came up and was programmed").isZero();
            assertThat(synced.out()).containsPattern("host-b +Synced");
        }
    }

    @Test
    void logEventsNameTheHostAndRevisionTheyAreAbout() throws Exception {
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events = new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        ch.qos.logback.classic.Logger weft = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.weft");
        ch.qos.logback.classic.Level level = weft.getLevel();
        weft.setLevel(ch.qos.logback.classic.Level.INFO);
        weft.addAppender(events);
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(1))) {
            reconciler.reconcileOnce();
            String revision = reconciler.status().revision();
            await().atMost(Duration.ofSeconds(5)).until(() -> List.copyOf(events.list).stream()
                    .anyMatch(e -> e.getFormattedMessage().startsWith("applied ") && "host-b".equals(e.getMDCPropertyMap().get("host"))));
            List<ch.qos.logback.classic.spi.ILoggingEvent> seen = List.copyOf(events.list);
            assertThat(seen).filteredOn(e -> e.getFormattedMessage().startsWith("host-a is Synced")).singleElement()
                    .satisfies(e -> assertThat(e.getMDCPropertyMap()).containsEntry("host", "host-a").containsEntry("revision", revision));
            assertThat(seen).filteredOn(e -> e.getFormattedMessage().startsWith("applied ") && "host-b".equals(e.getMDCPropertyMap().get("host")))
                    .as("the agent's own event").singleElement().satisfies(e -> assertThat(e.getMDCPropertyMap()).containsEntry("revision", revision));
            assertThat(seen).filteredOn(e -> e.getFormattedMessage().startsWith("revision ")).allSatisfy(e ->
                    assertThat(e.getMDCPropertyMap()).containsEntry("revision", revision).doesNotContainKey("host"));
        } finally {
            weft.detachAppender(events);
            weft.setLevel(level);
        }
    }

    @Test
    void metricsShowLoopsHostsRevisionAndBuild() throws Exception {
        fleet.start("host-a", "host-c").unreachable("host-b");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(1));
             StatusServer server = new StatusServer(reconciler, Optional.empty())) {
            int port = server.start("127.0.0.1", 0);
            reconciler.reconcileOnce();
            reconciler.reconcileOnce();
            String revision = reconciler.status().revision();
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("weft_reconcile_duration_seconds_count 2")
                    .contains("weft_reconcile_duration_seconds_bucket{le=")
                    .contains("weft_reconcile_errors_total{reason=\"host\"} 2.0")
                    .contains("weft_reconcile_errors_total{reason=\"invalid_revision\"} 0.0")
                    .contains("weft_host_sync_status{host=\"host-a\",state=\"Synced\"} 1.0")
                    .contains("weft_host_sync_status{host=\"host-b\",state=\"Unreachable\"} 1.0")
                    .contains("weft_host_sync_status{host=\"host-b\",state=\"Synced\"} 0.0")
                    .contains("weft_revision_info{revision=\"" + revision + "\"} 1")
                    .contains("weft_build_info{commit=\"" + dev.weft.contract.BuildInfo.current().commit() + "\",version=\"0.1.0-SNAPSHOT\"} 1")
                    .contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void aStaleReconcilerIsRefusedByTheAgents() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler newer = reconciler(10, Duration.ofMinutes(1))) {
            newer.reconcileOnce();
        }
        repo.replace("tenants/tenant-a/nics.yaml", "  host: host-b\n", "  host: host-c\n").commit("move web-2");
        try (Reconciler stale = reconciler(5, Duration.ofMinutes(1))) {
            ReconcilerStatus status = stale.reconcileOnce();
            HostStatus hostC = status.hosts().stream().filter(h -> h.host().equals("host-c")).findFirst().orElseThrow();
            assertThat(hostC.state()).isEqualTo(SyncState.Failed);
            assertThat(hostC.lastError()).contains("HTTP 412").contains("epoch 5 is older than 10");
        }
        assertThat(fleet.agents.get("host-c").store().state().objects()).doesNotContainKey(new ObjectKey(ObjectKind.Port, "tenant-a/web-2"));
    }

    @Test
    void oneUnreachableAgentDoesNotBlockTheOthers() throws Exception {
        fleet.start("host-a", "host-c").unreachable("host-b");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(1))) {
            ReconcilerStatus status = reconciler.reconcileOnce();
            assertThat(status.hosts()).extracting(h -> h.host() + " " + h.state())
                    .containsExactly("host-a Synced", "host-b Unreachable", "host-c Synced");
            assertThat(status.hosts().get(1).lastError()).contains("cannot reach http://127.0.0.1:9");
        }
    }

    @Test
    void webhooksNeedAValidSignatureAndTriggerALoop() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        try (Reconciler reconciler = reconciler(1, Duration.ofMinutes(10));
             StatusServer server = new StatusServer(reconciler, Optional.of("hook-secret"))) {
            int port = server.start("127.0.0.1", 0);
            reconciler.start();
            String first = repo.git().getRepository().resolve("main").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), first));
            String second = repo.replace("tenants/tenant-b/network.yaml", "10.1.2.0/24", "10.1.2.0/23").commit("widen data").name();

            byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
            HttpClient http = HttpClient.newHttpClient();
            URI hook = URI.create("http://127.0.0.1:" + port + "/v1/webhook");
            HttpResponse<String> forged = http.send(HttpRequest.newBuilder(hook).header("X-GitHub-Event", "push").header("X-GitHub-Delivery", "d-1")
                    .header("X-Hub-Signature-256", "sha256=" + StatusServer.hmacSha256("wrong".getBytes(), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(401);
            HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(hook).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unsigned.statusCode()).isEqualTo(401);
            HttpResponse<String> gitlabForged = http.send(HttpRequest.newBuilder(hook).header("X-Gitlab-Token", "nope").header("X-Gitlab-Event-UUID", "g-1")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(gitlabForged.statusCode()).isEqualTo(401);
            Thread.sleep(300);
            assertThat(reconciler.status().revision()).isEqualTo(first); // the forged hooks triggered nothing

            HttpRequest signedRequest = HttpRequest.newBuilder(hook).header("X-GitHub-Event", "push").header("X-GitHub-Delivery", "d-2")
                    .header("X-Hub-Signature-256", "sha256=" + StatusServer.hmacSha256("hook-secret".getBytes(), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> signed = http.send(signedRequest, HttpResponse.BodyHandlers.ofString());
            assertThat(signed.statusCode()).isEqualTo(202);
            assertThat(http.send(signedRequest, HttpResponse.BodyHandlers.ofString()).statusCode()).as("the same delivery again: a replay")
                    .isEqualTo(409);
            HttpResponse<String> noDelivery = http.send(HttpRequest.newBuilder(hook).header("X-Hub-Signature-256", "sha256=00")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(noDelivery.statusCode()).isEqualTo(400);
            byte[] huge = new byte[2 * 1024 * 1024];
            HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(hook).header("X-GitHub-Delivery", "d-3")
                    .header("X-Hub-Signature-256", "sha256=" + StatusServer.hmacSha256("hook-secret".getBytes(), huge))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tooLarge.statusCode()).as("bodies are bounded").isEqualTo(413);
            await().atMost(Duration.ofSeconds(5)).until(() -> allSyncedAt(reconciler.status(), second));

            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(status.body()).contains("\"revision\":\"" + second + "\"").contains("\"state\":\"Synced\"");
        }
    }

    @Test
    void twentyAgentsConvergeAfterACommit() throws Exception {
        StringBuilder hosts = new StringBuilder();
        String[] names = new String[20];
        for (int i = 0; i < 20; i++) {
            names[i] = "node-%02d".formatted(i);
            hosts.append("---\napiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: ").append(names[i])
                    .append("}\nspec: {underlayAddress: 198.18.2.").append(i + 1).append("}\n");
        }
        StringBuilder nics = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            nics.append("---\napiVersion: weft.dev/v1alpha1\nkind: NetworkInterface\nmetadata: {name: vm-").append(i)
                    .append(", namespace: tenant-a}\nspec: {virtualNetwork: blue, subnet: db, host: ").append(names[i])
                    .append(", macAddress: \"02:00:0a:01:03:%02x\", ipAddress: 10.1.2.%d}\n".formatted(i, 100 + i));
        }
        repo.write("hosts/nodes.yaml", hosts.toString()).commit("twenty more hosts");
        fleet.start("host-a", "host-b", "host-c").start(names);
        try (Reconciler reconciler = reconciler(1, Duration.ofMillis(100))) {
            reconciler.start();
            String before = repo.git().getRepository().resolve("main").name();
            await().atMost(Duration.ofSeconds(10)).until(() -> allSyncedAt(reconciler.status(), before));
            String after = repo.write("tenants/tenant-a/vms.yaml", nics.toString()).commit("a VM on every node").name();
            await().atMost(Duration.ofSeconds(15)).until(() -> allSyncedAt(reconciler.status(), after));
            assertThat(reconciler.status().hosts()).hasSize(23);
            for (String name : names) {
                // every node now has its own port and the 25 mappings of tenant-a/blue and the one of its peer mgmt
                assertThat(fleet.agents.get(name).store().state().objects().keySet().stream().filter(k -> k.kind() == ObjectKind.Mapping))
                        .hasSize(26);
            }
        }
    }
}

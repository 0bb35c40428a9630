package dev.weft.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.CliRun;
import dev.weft.cli.ExampleRepo;
import dev.weft.source.GitSource;
import dev.weft.source.Sources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplyCommandTest {

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

    private CliRun weft(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.dir().toString(), "--no-color", "--agent-timeout", "2s"));
        if (command.equals("apply")) {
            args.addAll(List.of("--state-dir", dir.resolve("state").toString(), "--server", "http://127.0.0.1:9"));
        }
        fleet.endpoints.forEach((host, uri) -> args.addAll(List.of("--agent", host + "=" + uri)));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void applyTwiceSendsNothingTheSecondTime() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        CliRun first = weft("apply", "--auto-approve");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("3 of 3 hosts affected, 58 operations.")
                .contains("host-a               applied (20 operations)").contains("Apply complete: 3 hosts in sync");
        long batches = fleet.appliedBatches("host-a");

        CliRun second = weft("apply", "--auto-approve");
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).contains("No changes.");
        assertThat(fleet.appliedBatches("host-a")).isEqualTo(batches);

        CliRun live = weft("plan", "--live", "--detailed-exitcode");
        assertThat(live.exitCode()).isZero();
    }

    @Test
    void planLiveOfAChangeReachesAgentsWhereTheBaseRevisionSaysNeverWhereTheChangeSays() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        java.util.concurrent.atomic.AtomicInteger honeypot = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer trap = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        trap.createContext("/", exchange -> {
            honeypot.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        trap.start();
        try {
            for (String host : List.of("host-a", "host-b")) { // main: the agents where they are
                repo.replace("hosts/rack-1.yaml", "agentEndpoint: https://198.18.0." + (host.equals("host-a") ? 1 : 2) + ":7443",
                        "agentEndpoint: " + fleet.endpoints.get(host));
            }
            repo.replace("hosts/rack-2.yaml", "agentEndpoint: https://198.18.1.1:7443", "agentEndpoint: " + fleet.endpoints.get("host-c"));
            repo.commit("agents on loopback");
            String trapUrl = "http://127.0.0.1:" + trap.getAddress().getPort();
            repo.branch("pr").replace("hosts/rack-1.yaml", "agentEndpoint: " + fleet.endpoints.get("host-a"), "agentEndpoint: " + trapUrl)
                    .append("hosts/rack-2.yaml", "---\napiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: host-d}\n"
                            + "spec: {underlayAddress: 198.18.1.2, agentEndpoint: " + trapUrl + "}\n")
                    .commit("point host-a at my server, add host-d");
            Path token = dir.resolve("token");
            java.nio.file.Files.writeString(token, "s3cret\n");
            CliRun plan = CliRun.of("plan", "--repo", repo.dir().toString(), "--live", "--head", "pr", "--base", "main",
                    "--agent-token-file", token.toString(), "--agent-timeout", "2s", "--detailed-exitcode");
            assertThat(plan.exitCode()).as(plan.err()).isEqualTo(2);
            assertThat(plan.err()).contains("note: host host-d is not in the base revision");
            assertThat(honeypot.get()).as("requests (and the token) that reached the endpoints the change names").isZero();
        } finally {
            trap.stop(0);
        }
    }

    @Test
    void applyRefusesWhileAReconcilerRunsSoItNeverFencesItOut() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        GitSource source = (GitSource) Sources.open(repo.dir().toString(), dir.resolve("cache"));
        try (Reconciler reconciler = new Reconciler(source, "main", fleet.fleet(), 7, java.time.Duration.ofMinutes(10), s -> { });
             StatusServer server = new StatusServer(reconciler, java.util.Optional.empty())) {
            int port = server.start("127.0.0.1", 0);
            reconciler.reconcileOnce();
            long batches = fleet.appliedBatches("host-a");
            List<String> args = new ArrayList<>(List.of("apply", "--repo", repo.dir().toString(), "--auto-approve", "--state-dir",
                    dir.resolve("state").toString(), "--server", "http://127.0.0.1:" + port));
            fleet.endpoints.forEach((host, uri) -> args.addAll(List.of("--agent", host + "=" + uri)));
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("a reconciler is running at http://127.0.0.1:" + port + " (following main, epoch 7)")
                    .contains("Commit the change");
            assertThat(fleet.appliedBatches("host-a")).as("nothing sent").isEqualTo(batches);
            assertThat(reconciler.reconcileOnce().allSynced()).as("the reconciler still owns the hosts").isTrue();
        }
    }

    @Test
    void planLiveShowsWhatApplyWillSend() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        CliRun plan = weft("plan", "--live", "--detailed-exitcode", "--output", "json");
        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.out()).contains("\"base\" : \"live\"").contains("\"operations\" : 58");
    }

    @Test
    void withoutATerminalApplyNeedsAutoApprove() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        CliRun run = weft("apply");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("pass --auto-approve");
        assertThat(fleet.agents.get("host-a").store().state().objects()).isEmpty();
    }

    @Test
    void aFailedHostDoesNotStopTheOthersAndExitsOne() throws Exception {
        fleet.start("host-a", "host-c").unreachable("host-b");
        CliRun run = weft("apply", "--auto-approve");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("! host-b is unreachable")
                .contains("host-a               applied (20 operations)")
                .contains("host-b               unreachable: cannot reach http://127.0.0.1:9")
                .contains("host-c               applied (20 operations)")
                .contains("Apply incomplete: 1 of 3 hosts not in sync.");
    }

    @Test
    void anInvalidRevisionAppliesNothing() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        repo.replace("tenants/tenant-a/nics.yaml", "ipAddress: 10.1.1.4", "ipAddress: 10.1.9.4").commit("typo");
        CliRun run = weft("apply", "--auto-approve");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("10.1.9.4 is outside subnet web").contains("nothing applied");
        assertThat(fleet.agents.get("host-a").store().state().objects()).isEmpty();
    }
}

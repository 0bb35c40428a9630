package dev.weft.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.CliRun;
import dev.weft.cli.ExampleRepo;
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
            args.addAll(List.of("--state-dir", dir.resolve("state").toString()));
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
        assertThat(first.out()).contains("3 of 3 hosts affected, 38 operations.")
                .contains("host-a               applied (13 operations)").contains("Apply complete: 3 hosts in sync");
        long batches = fleet.appliedBatches("host-a");

        CliRun second = weft("apply", "--auto-approve");
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).contains("No changes.");
        assertThat(fleet.appliedBatches("host-a")).isEqualTo(batches);

        CliRun live = weft("plan", "--live", "--detailed-exitcode");
        assertThat(live.exitCode()).isZero();
    }

    @Test
    void planLiveShowsWhatApplyWillSend() throws Exception {
        fleet.start("host-a", "host-b", "host-c");
        CliRun plan = weft("plan", "--live", "--detailed-exitcode", "--output", "json");
        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.out()).contains("\"base\" : \"live\"").contains("\"operations\" : 38");
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
                .contains("host-a               applied (13 operations)")
                .contains("host-b               unreachable: cannot reach http://127.0.0.1:9")
                .contains("host-c               applied (13 operations)")
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

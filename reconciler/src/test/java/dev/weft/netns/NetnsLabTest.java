package dev.weft.netns;

import dev.weft.agent.Agent;
import dev.weft.cli.ExampleRepo;
import dev.weft.reconcile.Reconciler;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The setup every namespace test shares: a {@link NetnsLab} opened before each test and closed after, also on failure. */
abstract class NetnsLabTest {

    @TempDir
    Path dir;

    NetnsLab lab;
    ExampleRepo repo;
    Map<String, Agent> agents;
    Reconciler reconciler;

    @BeforeEach
    void openLab() throws Exception {
        NetnsLab.requireRoot();
        lab = new NetnsLab(dir);
        repo = lab.repo;
        agents = lab.agents;
    }

    /** {@code weft trace ARGS --live} against this lab's agents; its output with runs of spaces (the column padding) as one. */
    dev.weft.cli.CliRun traceLive(String... args) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("trace", "--repo", repo.dir().toString(), "--live"));
        all.addAll(java.util.List.of(args));
        agents.forEach((host, agent) -> all.addAll(java.util.List.of("--agent", host + "=" + agent.url())));
        dev.weft.cli.CliRun run = dev.weft.cli.CliRun.of(all.toArray(String[]::new));
        return new dev.weft.cli.CliRun(run.exitCode(), run.out().replaceAll(" +", " "), run.err());
    }

    /** What host {@code host}'s agent serves at {@code /metrics} now (Prometheus text). */
    String metrics(String host) throws Exception {
        return new String(java.net.URI.create(agents.get(host).url() + "/metrics").toURL().openStream().readAllBytes());
    }

    @AfterEach
    void closeLab() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }
}

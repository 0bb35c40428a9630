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

    @AfterEach
    void closeLab() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }
}

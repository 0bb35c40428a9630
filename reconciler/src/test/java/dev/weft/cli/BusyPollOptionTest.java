package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code --busy-poll}: a time a worker polls, so a negative one is refused by name, before anything starts. */
class BusyPollOptionTest {

    @Test
    void theAgentRefusesANegativeBusyPollNamingTheOption() throws Exception {
        Path state = Files.createTempDirectory("weft-busy-poll-");
        try {
            CliRun run = CliRun.of("agent", "--host", "host-a", "--listen", "127.0.0.1:0", "--state-dir", state.toString(),
                    "--underlay", "198.18.0.1", "--busy-poll", "-5");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("error: --busy-poll must be 0 or more microseconds, not -5");
        } finally {
            dev.weft.source.Trees.delete(state);
        }
    }

    @Test
    void upRefusesANegativeBusyPollNamingTheOption() {
        CliRun run = CliRun.of("up", "--busy-poll", "-1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("error: --busy-poll must be 0 or more microseconds, not -1");
    }
}

package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.contract.AgentState;
import dev.weft.contract.BuildInfo;
import dev.weft.contract.Digest;
import dev.weft.contract.Wire;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** weft version, weft completion, and the build agents report, which weft status compares. */
class VersionCommandTest {

    @Test
    void versionNamesTheVersionTheCommitAndWhenItWasBuilt() {
        CliRun run = CliRun.of("version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).matches("weft 0\\.1\\.0-SNAPSHOT \\(commit [0-9a-f]{7,}(-dirty)?, built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)\\n");
        assertThat(CliRun.of("--version").out()).isEqualTo(run.out());
    }

    @Test
    void completionScriptsKnowTheCommandsAndTheirOptions() {
        CliRun bash = CliRun.of("completion", "bash");
        assertThat(bash.exitCode()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("plan").contains("trace").contains("vm").contains("--detailed-exitcode");
        CliRun zsh = CliRun.of("completion", "zsh");
        assertThat(zsh.out()).startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n").contains("complete -F");
        assertThat(CliRun.of("completion", "fish").exitCode()).isEqualTo(1);
    }

    @Test
    void agentsSayWhichBuildTheyRunAndStatusNamesTheOnesThatDiffer() throws Exception {
        AgentState state = new AgentState("host-a", 3, "abc", Digest.ZERO, Collections.emptyNavigableMap());
        assertThat(state.version()).isEqualTo(BuildInfo.current().id());
        String wire = Wire.write(state, false);
        assertThat(Wire.summary(Wire.parseObject(wire)).version()).isEqualTo(BuildInfo.current().id());
        assertThat(Wire.summary(Wire.parseObject(wire.replace(",\"version\":\"" + state.version() + "\"", ""))).version())
                .as("an agent that doesn't say").isEqualTo("unknown");

        JsonObject status = new JsonObject().put("version", "0.2.0+bbbbbbb").put("hosts", new JsonArray()
                .add(new JsonObject().put("host", "host-a").put("version", "0.2.0+bbbbbbb"))
                .add(new JsonObject().put("host", "host-b").put("version", "0.1.0+aaaaaaa"))
                .add(new JsonObject().put("host", "host-c").put("version", "")));
        assertThat(StatusTable.skew(status)).isEqualTo("version skew: the reconciler runs 0.2.0+bbbbbbb; host-b runs 0.1.0+aaaaaaa");
        status.getJsonArray("hosts").getJsonObject(1).put("version", "0.2.0+bbbbbbb");
        assertThat(StatusTable.skew(status)).isEmpty();
    }
}

package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Test;

/** The quick start, as a user runs it: weft up in its own process, a commit, convergence, Ctrl-C. */
class UpCommandTest {

    @Test
    void upProgramsTheExampleFollowsACommitAndCleansUpOnStop() throws Exception {
        try (WeftProcess weft = WeftProcess.start(List.of(), "up", "--listen", "127.0.0.1:0", "--interval", "300ms")) {
            Process up = weft.process();
            List<String> lines = weft.lines();

            await().atMost(Duration.ofSeconds(60)).until(() -> lines.stream().anyMatch(l -> l.startsWith("Ctrl-C stops everything")));
            String output = String.join("\n", lines);
            assertThat(output).contains("3 of 3 hosts affected, 58 operations.").contains("Weft is up: 3 agents on loopback");
            assertThat(output).containsPattern("host-a +Synced");
            Matcher server = Pattern.compile("--server (http://127\\.0\\.0\\.1:\\d+)").matcher(output);
            Matcher repoPath = Pattern.compile("git -C (\\S+) commit").matcher(output);
            assertThat(server.find()).isTrue();
            assertThat(repoPath.find()).isTrue();
            Path repo = Path.of(repoPath.group(1));

            CliRun status = CliRun.of("status", "--server", server.group(1));
            assertThat(status.exitCode()).isZero();

            // The user edits a manifest and commits: web-2 moves to host-c.
            Path nics = repo.resolve("tenants/tenant-a/nics.yaml");
            Files.writeString(nics, Files.readString(nics).replaceFirst("  host: host-b\n", "  host: host-c\n"));
            String commit;
            try (Git git = Git.open(repo.toFile())) {
                PersonIdent who = new PersonIdent("user", "user@example.org", Instant.now(), java.time.ZoneOffset.UTC);
                commit = git.commit().setAll(true).setMessage("move web-2").setAuthor(who).setCommitter(who).call().name();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                CliRun now = CliRun.of("status", "--server", server.group(1), "--output", "json");
                return now.exitCode() == 0 && now.out().contains("\"revision\" : \"" + commit + "\"")
                        && !now.out().contains("\"revision\" : \"\"");
            });

            up.destroy(); // SIGTERM, as Ctrl-C would
            assertThat(up.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(repo.getParent()).doesNotExist();
        }
    }
}

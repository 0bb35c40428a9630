package dev.weft.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.CliRun;
import dev.weft.validate.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Git repositories made with JGit: revisions, branches, file:// clones and fetches. */
class GitSourceTest {

    @TempDir
    Path work;

    @TempDir
    Path cache;

    Path repoDir;
    Git git;
    RevCommit first;

    @BeforeEach
    void setUp() throws Exception {
        repoDir = work.resolve("manifests");
        Files.createDirectories(repoDir);
        git = Git.init().setDirectory(repoDir.toFile()).setInitialBranch("main").call();
        new Fixtures(repoDir).base().write("nics.yaml", Fixtures.nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4"));
        first = commit("two hosts, one NIC");
    }

    private RevCommit commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        git.add().addFilepattern(".").setUpdate(true).call();
        PersonIdent who = new PersonIdent("Weft Test", "test@weft.dev");
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
    }

    private CliRun validate(String repo, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(
                java.util.List.of("validate", "--repo", repo, "--cache-dir", cache.toString(), "--output", "json"));
        args.addAll(java.util.List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static String field(CliRun run, String pointer) {
        return tools.jackson.databind.json.JsonMapper.builder().build().readTree(run.out()).at(pointer).asString();
    }

    @Test
    void revPicksEachBranch() throws Exception {
        git.checkout().setCreateBranch(true).setName("add-host").call();
        new Fixtures(repoDir).write("more-hosts.yaml", Fixtures.host("host-c", "198.18.0.3"));
        RevCommit onBranch = commit("add host-c");
        git.checkout().setName("broken").setCreateBranch(true).setStartPoint(first).call();
        new Fixtures(repoDir).write("nics.yaml", Fixtures.nic("web-1", "web", "02:00:0a:01:01:04", "10.1.9.4"));
        commit("a NIC outside its subnet");
        git.checkout().setName("main").call();

        CliRun main = validate(repoDir.toString(), "--rev", "main");
        assertThat(main.exitCode()).isZero();
        assertThat(field(main, "/revision")).isEqualTo(first.name());
        assertThat(field(main, "/summary/hosts")).isEqualTo("2");

        CliRun branch = validate(repoDir.toString(), "--rev", "add-host");
        assertThat(branch.exitCode()).isZero();
        assertThat(field(branch, "/revision")).isEqualTo(onBranch.name());
        assertThat(field(branch, "/summary/hosts")).isEqualTo("3");

        CliRun broken = validate(repoDir.toString(), "--rev", "broken");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(field(broken, "/errors/0/message")).isEqualTo("10.1.9.4 is outside subnet web (10.1.1.0/24)");

        assertThat(field(validate(repoDir.toString(), "--rev", "add-host~1"), "/revision")).isEqualTo(first.name());
        assertThat(field(validate(repoDir.toString(), "--rev", onBranch.name().substring(0, 10)), "/summary/hosts")).isEqualTo("3");
    }

    @Test
    void aGitRepositoryIsReadAtHeadNotFromTheWorkingTree() throws Exception {
        Files.writeString(repoDir.resolve("nics.yaml"), "uncommitted: [broken\n");
        CliRun run = validate(repoDir.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(field(run, "/revision")).isEqualTo(first.name());
    }

    @Test
    void credentialsInAGitUrlAreNeverPrinted() {
        CliRun run = CliRun.of("validate", "--repo", "https://weft:s3cret-token@127.0.0.1:9/manifests.git", "--cache-dir", cache.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err() + run.out()).doesNotContain("s3cret-token").contains("https://***@127.0.0.1:9/manifests.git");
    }

    @Test
    void anUnknownRevisionIsAClearError() {
        CliRun run = validate(repoDir.toString(), "--rev", "no-such-branch");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(field(run, "/error")).isEqualTo("revision no-such-branch not found in " + repoDir);
    }

    @Test
    void aFileUrlIsClonedIntoTheCacheAndFetchedOnTheNextCall() throws Exception {
        String url = "file://" + repoDir;
        CliRun cloned = validate(url);
        assertThat(cloned.exitCode()).isZero();
        assertThat(field(cloned, "/revision")).isEqualTo(first.name());
        try (var clones = Files.list(cache.resolve("repos"))) {
            assertThat(clones.toList()).hasSize(1);
        }

        new Fixtures(repoDir).write("more-hosts.yaml", Fixtures.host("host-c", "198.18.0.3"));
        RevCommit second = commit("add host-c");
        CliRun fetched = validate(url);
        assertThat(field(fetched, "/revision")).isEqualTo(second.name());
        assertThat(field(fetched, "/summary/hosts")).isEqualTo("3");
        assertThat(field(validate(url, "--rev", "main~1"), "/revision")).isEqualTo(first.name());
    }

    @Test
    void anUnreachableUrlIsAClearError() {
        CliRun run = validate("file://" + work.resolve("missing"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(field(run, "/error")).startsWith("cannot clone file://" + work.resolve("missing"));
        assertThat(cache.resolve("repos")).isEmptyDirectory();
    }
}

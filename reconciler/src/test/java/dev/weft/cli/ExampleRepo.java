package dev.weft.cli;

import dev.weft.source.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A Git repository holding manifests-example on {@code main}, committed with fixed identities and
 * times so its commit ids, and everything printed about them, are the same on every run.
 */
public final class ExampleRepo implements AutoCloseable {

    private final Path dir;
    private final Git git;
    private int commits;

    public ExampleRepo(Path dir) throws Exception {
        this.dir = dir;
        Trees.copy(Path.of("..", "manifests-example"), dir);
        this.git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call();
        commit("manifests-example");
    }

    public Path dir() {
        return dir;
    }

    public Git git() {
        return git;
    }

    public ExampleRepo write(String path, String content) throws IOException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return this;
    }

    public ExampleRepo append(String path, String content) throws IOException {
        return write(path, Files.readString(dir.resolve(path)) + content);
    }

    public ExampleRepo replace(String path, String from, String to) throws IOException {
        String text = Files.readString(dir.resolve(path));
        if (!text.contains(from)) {
            throw new IllegalArgumentException(path + " has no " + from);
        }
        return write(path, text.replace(from, to));
    }

    public ExampleRepo delete(String path) throws IOException {
        Files.delete(dir.resolve(path));
        return this;
    }

    public ExampleRepo branch(String name) throws Exception {
        git.checkout().setCreateBranch(true).setName(name).call();
        return this;
    }

    public ExampleRepo checkout(String name) throws Exception {
        git.checkout().setName(name).call();
        return this;
    }

    public RevCommit commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        git.add().addFilepattern(".").setUpdate(true).call();
        PersonIdent who = new PersonIdent("Weft Test", "test@weft.dev",
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * commits++), ZoneOffset.UTC);
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call();
    }

    @Override
    public void close() {
        git.close();
    }
}

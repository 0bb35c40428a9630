package dev.weft.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.CliRun;
import dev.weft.cli.ExampleRepo;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Private manifest repositories: over SSH, a real OpenSSH server on loopback (Debian package openssh-server) that takes
 * only the given key, checked against known_hosts; over HTTP, git http-backend behind Basic authentication that takes
 * only the token. Right credentials read the manifests; a wrong token, no key, or a server key that isn't in known_hosts
 * is refused with the reason. Needs root (sshd) and git; in CI it must run.
 */
class GitCredentialsTest {

    @TempDir
    Path dir;

    static void require(String path, String debianPackage) {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!Files.isExecutable(Path.of(path)) || !root) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI runs as root with " + path + " (Debian package " + debianPackage + ")");
            }
            Assumptions.abort("needs root and " + path + " (Debian package " + debianPackage + ")");
        }
    }

    static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listens on " + port);
    }

    CliRun validate(String url, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("validate", "--repo", url, "--cache-dir", dir.resolve("cache-" + System.nanoTime()).toString()));
        args.addAll(List.of(options));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void overSshOnlyTheKeyAgainstAKnownHostKeyReadsTheRepository() throws Exception {
        require("/usr/sbin/sshd", "openssh-server");
        try (ExampleRepo repo = new ExampleRepo(dir.resolve("manifests"))) {
            Path ssh = Files.createDirectories(dir.resolve("ssh"));
            run(ssh, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "host_key");
            run(ssh, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "client_key");
            run(ssh, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "other_host_key");
            Files.copy(ssh.resolve("client_key.pub"), ssh.resolve("authorized_keys"));
            int port = freePort();
            Path config = Files.writeString(ssh.resolve("sshd_config"), """
                    ListenAddress 127.0.0.1
                    Port %d
                    HostKey %s
                    AuthorizedKeysFile %s
                    PidFile %s
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    PermitRootLogin prohibit-password
                    StrictModes no
                    UsePAM no
                    """.formatted(port, ssh.resolve("host_key"), ssh.resolve("authorized_keys"), ssh.resolve("sshd.pid")));
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
            Process sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString()).redirectErrorStream(true)
                    .redirectOutput(ssh.resolve("sshd.log").toFile()).start();
            try {
                awaitListening(port);
                Path known = Files.writeString(ssh.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + Files.readString(ssh.resolve("host_key.pub")));
                Path wrong = Files.writeString(ssh.resolve("wrong_known_hosts"), "[127.0.0.1]:" + port + " " + Files.readString(ssh.resolve("other_host_key.pub")));
                String url = "ssh://root@127.0.0.1:" + port + repo.dir().toAbsolutePath();

                CliRun ok = validate(url, "--git-ssh-key", ssh.resolve("client_key").toString(), "--git-known-hosts", known.toString());
                assertThat(ok.exitCode()).as(ok.err()).isZero();
                assertThat(ok.out()).contains("valid");

                CliRun spoofed = validate(url, "--git-ssh-key", ssh.resolve("client_key").toString(), "--git-known-hosts", wrong.toString());
                assertThat(spoofed.exitCode()).as("a server whose key isn't the known one").isEqualTo(1);
                assertThat(spoofed.err()).contains("cannot clone").containsIgnoringCase("key");

                CliRun stranger = validate(url, "--git-ssh-key", ssh.resolve("other_host_key").toString(), "--git-known-hosts", known.toString());
                assertThat(stranger.exitCode()).as("a key the server doesn't authorize").isEqualTo(1);
                assertThat(stranger.err()).contains("cannot clone");

                CliRun half = validate(url, "--git-ssh-key", ssh.resolve("client_key").toString());
                assertThat(half.exitCode()).isEqualTo(1);
                assertThat(half.err()).contains("known_hosts");
            } finally {
                sshd.destroy();
                sshd.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void overHttpOnlyTheTokenReadsTheRepository() throws Exception {
        require("/usr/bin/git", "git");
        try (ExampleRepo repo = new ExampleRepo(dir.resolve("projects").resolve("network"))) {
            Path token = Files.writeString(dir.resolve("token"), "s3cret-token\n");
            Path wrong = Files.writeString(dir.resolve("wrong-token"), "guess\n");
            int port = freePort();
            Path script = Path.of("src/test/resources/git-http-server.py").toAbsolutePath();
            Process server = new ProcessBuilder("python3", script.toString(), Integer.toString(port), token.toString(), dir.resolve("projects").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("http.log").toFile()).start();
            try {
                awaitListening(port);
                String url = "http://127.0.0.1:" + port + "/network";
                CliRun ok = validate(url, "--git-token-file", token.toString());
                assertThat(ok.exitCode()).as(ok.err()).isZero();

                CliRun refused = validate(url, "--git-token-file", wrong.toString());
                assertThat(refused.exitCode()).isEqualTo(1);
                assertThat(refused.err()).contains("cannot clone").containsIgnoringCase("not authorized");
                assertThat(refused.err()).doesNotContain("guess");

                CliRun anonymous = validate(url);
                assertThat(anonymous.exitCode()).isEqualTo(1);
            } finally {
                server.destroy();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}

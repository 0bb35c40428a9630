package dev.weft.fastpath;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Network namespaces for a test, all named with one random prefix, and removed by {@link #close()}, also after a failure. */
final class Netns implements AutoCloseable {

    final String prefix = "wt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    private final List<String> created = new ArrayList<>();

    /**
     * Skips the test when {@code command} is not installed, naming the Debian package that has it; under
     * CI=true a missing tool fails the test instead (CI installs what the tests use).
     */
    static void requireTool(String command, String debianPackage) {
        boolean found = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, command)));
        String message = "needs " + command + ": install the Debian package " + debianPackage + " (apt-get install " + debianPackage + ")";
        if (!found && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(message);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(found, message);
    }

    String add(String name) throws Exception {
        String full = prefix + "-" + name;
        sh("ip", "netns", "add", full);
        created.add(full);
        sh("ip", "-n", full, "link", "set", "lo", "up");
        return full;
    }

    /** Runs a command; throws with its output when it fails. */
    static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /** Runs a command and returns its standard output alone (tshark warns on standard error when run as root). */
    static String stdout(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue());
        }
        return out;
    }

    /** Runs a command and returns its exit code (for commands expected to fail, like a blocked ping). */
    static int status(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    static String exec(String ns, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return sh(full.toArray(String[]::new));
    }

    @Override
    public void close() {
        for (String ns : created.reversed()) {
            try {
                sh("ip", "netns", "del", ns);
            } catch (Exception ignored) {
                // best effort: the next run's prefix differs anyway
            }
        }
    }
}

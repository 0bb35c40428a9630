package dev.weft.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The weft command in a process of its own, as a user runs it (this checkout as WEFT_HOME); its output, line by line, as it
 * comes. Closing it kills the process if it still runs (a test that failed half way).
 */
public record WeftProcess(Process process, List<String> lines) implements AutoCloseable {

    /** Starts {@code weft args} on this JVM's classpath, with {@code jvmOptions} before the main class. */
    public static WeftProcess start(List<String> jvmOptions, String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.weft.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WEFT_HOME", Path.of("..").toAbsolutePath().normalize().toString());
        Process process = builder.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).lines()
                .forEach(lines::add));
        return new WeftProcess(process, lines);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}

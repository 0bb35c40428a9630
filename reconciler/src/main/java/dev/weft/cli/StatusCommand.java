package dev.weft.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Every host's sync state, from a running reconciler (weft reconcile or weft up).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every host Synced", "1:the reconciler is unreachable", "2:some host is not Synced (with --wait: not by the timeout)"})
public final class StatusCommand implements Callable<Integer> {

    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:7400", description = "The reconciler (default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Option(names = "--wait", paramLabel = "TIMEOUT", arity = "0..1", fallbackValue = "5m",
            description = {"Wait until every host is Synced (asking every second, also while the reconciler starts), then print",
                    "the status and exit 0; at TIMEOUT (default 5m; e.g. 90s, 2m) print it and exit 2."})
    String wait;

    /** Why a request failed, in words: the JDK's HTTP client often throws with no message (a refused connection). */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            switch (t) {
                case java.net.ConnectException c -> {
                    return "connection refused (is weft reconcile or weft up running, and listening there?)";
                }
                case java.net.http.HttpConnectTimeoutException c -> {
                    return "no answer within 5 s (connect timeout)";
                }
                case java.net.http.HttpTimeoutException c -> {
                    return "no answer within 10 s";
                }
                case java.net.UnknownHostException u -> {
                    return "unknown host " + u.getMessage();
                }
                default -> {
                    if (t.getMessage() != null && t.getCause() == null) {
                        return t.getMessage();
                    }
                }
            }
        }
        return e.getClass().getSimpleName();
    }

    /** The running reconciler's {@code GET /v1/status}; an answer other than 200 is an {@link IOException}. */
    static JsonObject fetch(String server, Duration connectTimeout, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(connectTimeout).build().send(
                HttpRequest.newBuilder(URI.create(server).resolve("/v1/status")).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode());
        }
        return new JsonObject(response.body());
    }

    static boolean allSynced(JsonObject status) {
        return !status.getJsonArray("hosts").isEmpty()
                && status.getJsonArray("hosts").stream().allMatch(h -> "Synced".equals(((JsonObject) h).getString("state")));
    }

    @Override
    public Integer call() {
        JsonObject status = null;
        long deadline = wait == null ? 0 : System.nanoTime() + Durations.parse(wait).toNanos();
        String unreachable = "";
        try {
            while (true) {
                try {
                    status = fetch(server, Duration.ofSeconds(5), Duration.ofSeconds(10));
                    if (wait == null || allSynced(status)) {
                        break;
                    }
                } catch (IOException | RuntimeException e) {
                    unreachable = reason(e);
                    if (wait == null) {
                        break;
                    }
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (status == null) {
            spec.commandLine().getErr().println("error: cannot reach the reconciler at " + server + ": " + unreachable);
            return 1;
        }
        if (output == Output.json) {
            spec.commandLine().getOut().println(status.encodePrettily());
            spec.commandLine().getOut().flush();
        } else {
            StatusTable.print(status, spec.commandLine().getOut());
        }
        if (wait != null && !allSynced(status)) {
            spec.commandLine().getErr().println("weft status: not every host was Synced within " + wait);
        }
        return allSynced(status) ? 0 : 2;
    }
}

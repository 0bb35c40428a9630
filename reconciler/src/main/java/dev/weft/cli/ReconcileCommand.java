package dev.weft.cli;

import dev.weft.reconcile.Epochs;
import dev.weft.reconcile.Fleet;
import dev.weft.reconcile.Reconciler;
import dev.weft.reconcile.ReconcilerStatus;
import dev.weft.reconcile.RetryPolicy;
import dev.weft.reconcile.StatusServer;
import dev.weft.source.GitSource;
import dev.weft.source.ManifestSource;
import dev.weft.source.SourceException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "reconcile", mixinStandardHelpOptions = true,
        header = "The continuous loop: keep every host programmed with the branch's latest valid revision.",
        description = {"The continuous loop: keep every host programmed with the branch's latest valid revision, heal drift,",
                "and serve the status API and push webhooks (GitHub, GitLab) on --listen."})
public final class ReconcileCommand implements Callable<Integer> {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReconcileCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    LogOptions logging;

    @Mixin
    RepoOptions repo;

    @Mixin
    AgentOptions agents;

    @Mixin
    StateDirOption state;

    @Option(names = "--branch", paramLabel = "B", defaultValue = "main", description = "Branch to follow (default: ${DEFAULT-VALUE}).")
    String branch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "30s", description = "Time between loops (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:7400", description = "Status API and webhooks (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE", description = "Secret that webhooks must be signed with (GitHub) or carry (GitLab).")
    Path webhookSecretFile;

    @Override
    public Integer call() throws Exception {
        logging.apply();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ManifestSource source;
        try {
            source = repo.open();
        } catch (SourceException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        if (!(source instanceof GitSource git)) {
            err.println("error: reconcile follows a branch, so --repo must be a Git repository or URL");
            source.close();
            return 1;
        }
        long epoch = Epochs.next(state.dir());
        Reconciler reconciler = new Reconciler(git, branch, new Fleet(agents.access(), RetryPolicy.DEFAULT), epoch,
                Durations.parse(interval), new StatusPrinter(out));
        Optional<String> secret = webhookSecretFile == null ? Optional.empty() : Optional.of(Files.readString(webhookSecretFile).trim());
        StatusServer server = new StatusServer(reconciler, secret);
        Listen address = Listen.parse(listen);
        int port = server.start(address.host(), address.port());
        out.printf("weft reconcile: following %s of %s every %s (epoch %d); status on http://%s:%d/v1/status%n",
                branch, dev.weft.source.Redact.secrets(repo.repo), interval, epoch, address.host(), port);
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reconciler.close();
            try {
                server.close();
            } catch (Exception e) {
                log.warn("closing the status server failed while exiting", e);
            }
            stopped.countDown();
        }));
        reconciler.start();
        stopped.await();
        return 0;
    }

    /** Prints a line whenever a loop changes something: a new revision, a refused one, a host's state. */
    static final class StatusPrinter implements java.util.function.Consumer<ReconcilerStatus> {
        private final PrintWriter out;
        private String last = "";

        StatusPrinter(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void accept(ReconcilerStatus status) {
            StringBuilder line = new StringBuilder();
            line.append("revision ").append(status.revision().isEmpty() ? "-" : status.revision().substring(0, 12));
            if (!status.invalidRevision().isEmpty()) {
                line.append(" (").append(status.invalidRevision(), 0, 12).append(" is invalid: ").append(status.errors().size()).append(" errors)");
            }
            status.hosts().forEach(h -> line.append("; ").append(h.host()).append(' ').append(h.state())
                    .append(h.lastError().isEmpty() ? "" : " (" + h.lastError() + ")"));
            String text = line.toString();
            if (!text.equals(last)) {
                out.println(java.time.LocalTime.now().withNano(0) + " " + text);
                status.errors().forEach(e -> out.println("  " + e));
                out.flush();
                last = text;
            }
        }
    }
}

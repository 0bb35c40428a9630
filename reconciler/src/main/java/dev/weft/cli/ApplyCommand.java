package dev.weft.cli;

import dev.weft.compile.Compiled;
import dev.weft.plan.Plan;
import dev.weft.plan.TextRenderer;
import dev.weft.reconcile.Epochs;
import dev.weft.reconcile.Fleet;
import dev.weft.reconcile.HostStatus;
import dev.weft.reconcile.RetryPolicy;
import dev.weft.reconcile.SyncState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Program the agents with one revision: plan against what they hold, confirm, apply to every host at once.",
                "Each host gets one batch, fenced by a new epoch and by the digest it was planned against; failed hosts don't stop the others.",
                "While a reconciler runs it owns the agents (a new epoch from apply would fence it out): apply refuses when one answers at --server."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every host applied or already in sync", "1:the revision is invalid, or any host failed or was unreachable"})
public final class ApplyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RepoOptions repo;

    @Mixin
    AgentOptions agents;

    @Mixin
    StateDirOption state;

    @Option(names = "--rev", paramLabel = "REV", description = "Revision to apply (default: HEAD, or the directory's contents).")
    String rev;

    @Option(names = "--auto-approve", description = "Apply without asking.")
    boolean autoApprove;

    @Option(names = "--no-color", description = "Plain text even on a terminal.")
    boolean noColor;

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:7400",
            description = "Where a running reconciler would answer (default: ${DEFAULT-VALUE}); apply refuses while one does.")
    String server;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Compiled desired = Desired.compile(repo, rev, err);
        if (desired == null) {
            return 1;
        }
        java.util.Optional<String> reconciler = runningReconciler();
        if (reconciler.isPresent()) {
            err.println("error: a reconciler is running at " + server + " (" + reconciler.get() + "); it programs the agents from Git, "
                    + "and an apply by hand would take a newer epoch and fence it out. Commit the change (or trigger a loop with its "
                    + "webhook), or stop the reconciler to apply by hand");
            return 1;
        }
        Fleet fleet = new Fleet(agents.access(), RetryPolicy.DEFAULT);
        Fleet.Live live = fleet.fetch(desired);
        Plan plan = Fleet.planLive(desired, desired.model().revision(), live);
        out.print(TextRenderer.render(plan, !noColor && CommandLine.Help.Ansi.AUTO.enabled()));
        live.errors().forEach((host, error) -> out.println("! " + host + " is unreachable and will be retried: " + error));
        if (!plan.hasChanges() && live.errors().isEmpty()) {
            out.flush();
            return 0;
        }
        if (!autoApprove && !confirm(out, err)) {
            return 1;
        }
        long epoch = Epochs.next(state.dir());
        List<HostStatus> results = fleet.sync(desired, epoch, desired.model().revision());
        out.println();
        for (HostStatus result : results) {
            String outcome = switch (result.state()) {
                case Synced -> result.ops() > 0 ? "applied (" + result.ops() + " operations)" : "unchanged";
                case Unreachable -> "unreachable: " + result.lastError();
                default -> "failed: " + result.lastError();
            };
            out.printf("  %-20s %s%n", result.host(), outcome);
        }
        long failed = results.stream().filter(r -> r.state() != SyncState.Synced).count();
        out.println();
        out.println(failed == 0 ? "Apply complete: " + results.size() + " hosts in sync (epoch " + epoch + ")."
                : "Apply incomplete: " + failed + " of " + results.size() + " hosts not in sync.");
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** What the reconciler at {@code --server} says it follows, if one answers there. */
    private java.util.Optional<String> runningReconciler() {
        try {
            io.vertx.core.json.JsonObject status = StatusCommand.fetch(server, java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5));
            return java.util.Optional.of("following " + status.getString("branch", "?") + ", epoch " + status.getValue("epoch"));
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.Optional.empty(); // nothing (or not a reconciler) answers there: no reconciler to fence out
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    private static boolean confirm(PrintWriter out, PrintWriter err) throws java.io.IOException {
        if (System.console() == null) {
            err.println("error: not on a terminal, so there is no one to confirm: pass --auto-approve to apply");
            return false;
        }
        out.print("\nApply these changes? Only 'yes' is accepted: ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
        if (!"yes".equals(answer == null ? null : answer.trim())) {
            out.println("Apply cancelled.");
            return false;
        }
        return true;
    }
}

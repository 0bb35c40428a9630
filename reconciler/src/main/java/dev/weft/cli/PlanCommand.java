package dev.weft.cli;

import dev.weft.compile.Compiled;
import dev.weft.compile.Compiler;
import dev.weft.model.Model;
import dev.weft.model.ModelDiff;
import dev.weft.plan.Differ;
import dev.weft.plan.JsonRenderer;
import dev.weft.plan.MarkdownRenderer;
import dev.weft.plan.Plan;
import dev.weft.plan.TextRenderer;
import dev.weft.reconcile.Fleet;
import dev.weft.reconcile.RetryPolicy;
import dev.weft.source.DefaultBranch;
import dev.weft.source.GitSource;
import dev.weft.source.ManifestSource;
import dev.weft.source.Snapshot;
import dev.weft.source.SourceException;
import dev.weft.validate.ValidationResult;
import dev.weft.validate.Validator;
import java.io.PrintWriter;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.ObjectId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Dry run: what moving from one revision to another changes, in resources and in every host's programming.",
                "With no revisions it plans a pull request: head = HEAD, base = where head forked from the default branch."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no changes (or changes, without --detailed-exitcode)", "1:error, or the head revision is invalid",
                "2:changes (with --detailed-exitcode)"})
public final class PlanCommand implements Callable<Integer> {

    enum Output { text, markdown, json }

    @Spec
    CommandSpec spec;

    @Mixin
    RepoOptions repo;

    @Option(names = "--base", paramLabel = "REV", description = {"The revision to plan from (default: merge base of head with the default branch).",
            "With --live, the revision whose hosts say where the agents are: never the change under review."})
    String base;

    @Option(names = "--head", paramLabel = "REV", description = "The revision to plan to (default: HEAD).")
    String head;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (terraform-like), markdown (a pull-request comment) or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Option(names = "--detailed-exitcode", description = "Exit 2 when there are changes, 0 when there are none.")
    boolean detailedExitCode;

    @Option(names = "--no-color", description = "Plain text even on a terminal.")
    boolean noColor;

    @Option(names = "--live", description = "Plan head against what the agents hold now, instead of against a base revision.")
    boolean live;

    @Mixin
    AgentOptions agents;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (live) {
            return planLive(out, err);
        }
        try (ManifestSource source = repo.open()) {
            if (!(source instanceof GitSource git)) {
                err.println("error: plan compares two revisions, so --repo must be a Git repository or URL; "
                        + repo.repo + " is a plain directory (use weft validate)");
                return 1;
            }
            ObjectId headId = git.resolve(head);
            ObjectId baseId = base != null ? git.resolve(base) : DefaultBranch.mergeBase(git, headId);
            Validator validator = new Validator();
            ValidationResult headResult = validator.validate(git.read(headId.name()));
            if (!headResult.valid()) {
                headResult.problems().forEach(p -> err.println(p.format()));
                err.println("error: head " + headResult.snapshot().shortRevision() + " is invalid (" + errors(headResult.problems().size()) + "); no plan");
                return 1;
            }
            ValidationResult baseResult = validator.validate(git.read(baseId.name()));
            Model baseModel = baseResult.model().orElseGet(() -> {
                err.println("warning: base " + baseResult.snapshot().shortRevision() + " is invalid (" + errors(baseResult.problems().size())
                        + "); planning from an empty state");
                return new Model(baseResult.snapshot().revision(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
            });
            Plan plan = plan(baseResult.snapshot(), baseModel, headResult.snapshot(), headResult.model().orElseThrow());
            return print(plan, out);
        } catch (SourceException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private int print(Plan plan, PrintWriter out) {
        out.print(switch (output) {
            case text -> TextRenderer.render(plan, !noColor && CommandLine.Help.Ansi.AUTO.enabled());
            case markdown -> MarkdownRenderer.render(plan);
            case json -> JsonRenderer.render(plan);
        });
        out.flush();
        return detailedExitCode && plan.hasChanges() ? 2 : 0;
    }

    /** Head against the agents' live state; an unreachable agent makes the plan incomplete, which is an error. */
    private int planLive(PrintWriter out, PrintWriter err) {
        Compiled desired = Desired.compile(repo, head, err);
        if (desired == null) {
            return 1;
        }
        Fleet.Live state;
        try {
            dev.weft.reconcile.AgentAccess access = agents.access();
            Model trusted = trustedModel(err);
            if (trusted != null) {
                access = access.pinnedTo(trusted);
                for (var host : desired.model().hosts().values()) {
                    if (!access.trusts(host)) {
                        err.println("note: host " + host.name() + " is not in the base revision, so its agent (an endpoint this change names) "
                                + "is not contacted; it is planned from empty");
                    }
                }
            }
            state = new Fleet(access, RetryPolicy.DEFAULT).fetch(desired);
        } catch (java.io.IOException | java.security.GeneralSecurityException | SourceException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        int code = print(Fleet.planLive(desired, desired.model().revision(), state), out);
        state.errors().forEach((host, error) -> err.println("error: " + host + " is unreachable, so the plan leaves it out: " + error));
        return state.errors().isEmpty() ? code : 1;
    }

    /**
     * Where agents are reached from when planning a change against them: the base revision's hosts (the
     * change under review can't point the token and the requests at endpoints of its own). A plain directory
     * has no base: its own hosts are used (null).
     */
    private Model trustedModel(PrintWriter err) throws SourceException {
        try (ManifestSource source = repo.open()) {
            if (!(source instanceof GitSource git)) {
                return null;
            }
            ObjectId headId = git.resolve(head);
            ObjectId baseId = base != null ? git.resolve(base) : DefaultBranch.mergeBase(git, headId);
            ValidationResult baseResult = new Validator().validate(git.read(baseId.name()));
            return baseResult.model().orElseGet(() -> {
                err.println("warning: base " + baseResult.snapshot().shortRevision() + " is invalid: no agent endpoint is trusted");
                return new Model(baseResult.snapshot().revision(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
            });
        }
    }

    private static String errors(int n) {
        return n + (n == 1 ? " error" : " errors");
    }

    /** Compiles the base fully and the head incrementally from it, then diffs. */
    static Plan plan(Snapshot baseSnapshot, Model baseModel, Snapshot headSnapshot, Model headModel) {
        ModelDiff diff = ModelDiff.between(baseModel, headModel);
        Compiled before = Compiler.compile(baseModel);
        Compiled after = Compiler.update(before, headModel, diff);
        return Differ.plan(baseSnapshot.revision(), headSnapshot.revision(), before, after, diff);
    }
}

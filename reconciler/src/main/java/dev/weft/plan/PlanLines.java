package dev.weft.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines a human reads in a plan, shared by the text and markdown renderers: a resource or object
 * line marked +, ~ or -, then its fields indented below it.
 */
final class PlanLines {

    /** One line: the action that colours it (null for a plain detail line) and its text, indentation included. */
    record Line(Action action, String text) {
    }

    private PlanLines() {
    }

    static List<Line> resource(ResourceChange change) {
        List<Line> lines = new ArrayList<>();
        lines.add(new Line(change.action(), change.action().symbol() + " " + change.id()));
        fields(change.action(), change.fields(), "    ", lines);
        return lines;
    }

    static List<Line> object(ObjectChange change) {
        List<Line> lines = new ArrayList<>();
        String head = change.action().symbol() + " " + change.id();
        if (change.action() == Action.add) {
            head += "  " + change.after().canonicalSpec();
        }
        lines.add(new Line(change.action(), head));
        if (change.action() == Action.change) {
            fields(change.action(), change.fields(), "    ", lines);
        }
        return lines;
    }

    private static void fields(Action action, List<FieldChange> fields, String indent, List<Line> lines) {
        int width = fields.stream().mapToInt(f -> f.field().length()).max().orElse(0);
        for (FieldChange f : fields) {
            if (action == Action.add) {
                lines.add(new Line(null, indent + f.field() + " ".repeat(width - f.field().length()) + " = " + f.after()));
            } else {
                lines.add(new Line(null, indent + f.field() + ": " + (f.before() == null ? "(none)" : f.before()) + " → "
                        + (f.after() == null ? "(none)" : f.after())));
            }
        }
    }

    static String counts(long add, long change, long remove) {
        return add + " to add, " + change + " to change, " + remove + " to remove";
    }

    static String summary(Plan plan) {
        String resources = plan.live() ? "Plan: "
                : "Plan: " + counts(plan.resourceCount(Action.add), plan.resourceCount(Action.change), plan.resourceCount(Action.remove)) + "; ";
        return resources + plan.hosts().size() + " of " + plan.totalHosts() + " hosts affected, " + plan.operations()
                + (plan.operations() == 1 ? " operation." : " operations.");
    }

    static String hostCounts(HostChange host) {
        return counts(host.count(Action.add), host.count(Action.change), host.count(Action.remove));
    }
}

package dev.weft.plan;

import java.util.List;

/** The plan for a terminal, terraform-like; coloured when {@code color} is set (a terminal), plain when piped. */
public final class TextRenderer {

    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";

    private TextRenderer() {
    }

    public static String render(Plan plan, boolean color) {
        StringBuilder out = new StringBuilder();
        out.append(bold("Weft plan: " + Plan.abbreviate(plan.base()) + " → " + Plan.abbreviate(plan.head()), color)).append("\n\n");
        if (!plan.hasChanges()) {
            out.append("No changes. Every host's programming is the same in both.\n");
            return out.toString();
        }
        if (!plan.resources().isEmpty()) {
            out.append(bold("Resources:", color)).append('\n');
            plan.resources().forEach(r -> lines(PlanLines.resource(r), "  ", color, out));
            out.append('\n');
        }
        if (!plan.hosts().isEmpty()) {
            out.append(bold("Hosts:", color)).append('\n');
            for (HostChange host : plan.hosts()) {
                out.append("  ").append(paint(Action.change, "~ " + host.host(), color)).append("  (").append(PlanLines.hostCounts(host))
                        .append(")\n");
                host.objects().forEach(o -> lines(PlanLines.object(o), "      ", color, out));
            }
            out.append('\n');
        }
        out.append(bold(PlanLines.summary(plan), color)).append('\n');
        return out.toString();
    }

    private static void lines(List<PlanLines.Line> lines, String indent, boolean color, StringBuilder out) {
        for (PlanLines.Line line : lines) {
            out.append(indent).append(line.action() == null ? line.text() : paint(line.action(), line.text(), color)).append('\n');
        }
    }

    private static String paint(Action action, String text, boolean color) {
        if (!color) {
            return text;
        }
        String code = switch (action) {
            case add -> "\u001b[32m";
            case change -> "\u001b[33m";
            case remove -> "\u001b[31m";
        };
        return code + text + RESET;
    }

    private static String bold(String text, boolean color) {
        return color ? BOLD + text + RESET : text;
    }
}

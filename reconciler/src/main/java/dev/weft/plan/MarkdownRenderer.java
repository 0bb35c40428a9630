package dev.weft.plan;

import java.util.List;

/**
 * The plan as a pull-request comment: a summary table, then resources and each affected host in
 * collapsible sections with diff-highlighted bodies. It starts with a fixed marker so a bot can find and
 * update its own comment, and its output depends only on the plan, so an unchanged plan gives the same text.
 */
public final class MarkdownRenderer {

    /** The first line of every comment; bots search for it. */
    public static final String MARKER = "<!-- weft-plan -->";

    /** Hosts shown in detail; the rest are counted (a GitHub comment holds at most 65,536 characters). */
    static final int MAX_HOSTS = 50;

    private MarkdownRenderer() {
    }

    public static String render(Plan plan) {
        StringBuilder out = new StringBuilder();
        out.append(MARKER).append('\n');
        out.append("### Weft plan: `").append(Plan.abbreviate(plan.base())).append("` → `").append(Plan.abbreviate(plan.head())).append("`\n\n");
        if (!plan.hasChanges()) {
            out.append("**No changes.** Every host's programming is the same in both.\n");
            return out.toString();
        }
        long[] objects = new long[3];
        plan.hosts().forEach(h -> {
            objects[0] += h.count(Action.add);
            objects[1] += h.count(Action.change);
            objects[2] += h.count(Action.remove);
        });
        out.append("| | add | change | remove |\n|---|---:|---:|---:|\n");
        out.append("| resources | ").append(plan.resourceCount(Action.add)).append(" | ").append(plan.resourceCount(Action.change))
                .append(" | ").append(plan.resourceCount(Action.remove)).append(" |\n");
        out.append("| host objects | ").append(objects[0]).append(" | ").append(objects[1]).append(" | ").append(objects[2]).append(" |\n\n");
        out.append("**").append(PlanLines.summary(plan)).append("**\n\n");

        if (!plan.resources().isEmpty()) {
            out.append("<details><summary>Resources (").append(plan.resources().size()).append(")</summary>\n\n");
            fence(plan.resources().stream().flatMap(r -> PlanLines.resource(r).stream()).toList(), out);
            out.append("</details>\n\n");
        }
        plan.hosts().stream().limit(MAX_HOSTS).forEach(host -> {
            out.append("<details><summary>Host <code>").append(host.host()).append("</code>: ").append(PlanLines.hostCounts(host))
                    .append("</summary>\n\n");
            fence(host.objects().stream().flatMap(o -> PlanLines.object(o).stream()).toList(), out);
            out.append("</details>\n\n");
        });
        if (plan.hosts().size() > MAX_HOSTS) {
            out.append("…and ").append(plan.hosts().size() - MAX_HOSTS)
                    .append(" more hosts. `weft plan --output json` lists every operation.\n");
        }
        return out.toString();
    }

    /** A ```diff block: GitHub colours lines starting with + and -, and ! for changes. */
    private static void fence(List<PlanLines.Line> lines, StringBuilder out) {
        out.append("```diff\n");
        for (PlanLines.Line line : lines) {
            String text = line.text();
            if (line.action() == Action.change && text.startsWith("~")) {
                text = "!" + text.substring(1);
            }
            out.append(text).append('\n');
        }
        out.append("```\n\n");
    }
}

package dev.weft.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The plan as a pull-request comment: a summary table, a Mermaid diagram of the networks, NICs and hosts it touches,
 * then resources, the operations several hosts get alike (each shown once, with its hosts) and each affected host's own
 * in collapsible sections with diff-highlighted bodies, cut below GitHub's 65,536 characters with a note. It starts with a fixed marker so a bot can find and
 * update its own comment, and its output depends only on the plan, so an unchanged plan gives the same text.
 */
public final class MarkdownRenderer {

    /** The first line of every comment; bots search for it. */
    public static final String MARKER = "<!-- weft-plan -->";

    /** Hosts shown in detail; the rest are counted. */
    static final int MAX_HOSTS = 50;
    /** The most characters a comment may have: GitHub's limit is 65,536. */
    static final int LIMIT = 65_000;

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

        String diagram = MermaidDiagram.render(plan);
        if (!diagram.isEmpty()) {
            out.append("<details open><summary>What it touches</summary>\n\n").append(diagram).append("\n</details>\n\n");
        }
        if (!plan.resources().isEmpty()) {
            out.append("<details><summary>Resources (").append(plan.resources().size()).append(")</summary>\n\n");
            fence(plan.resources().stream().flatMap(r -> PlanLines.resource(r).stream()).toList(), out);
            out.append("</details>\n\n");
        }
        // The same operation on several hosts (a new NIC's mapping on every host of its network) is shown once, with its hosts.
        Map<String, List<Operation>> operations = new LinkedHashMap<>(); // by host
        Map<String, List<String>> hostsOf = new LinkedHashMap<>();
        Map<String, List<PlanLines.Line>> linesOf = new LinkedHashMap<>();
        for (HostChange host : plan.hosts()) {
            List<Operation> ops = host.objects().stream().map(Operation::of).toList();
            operations.put(host.host(), ops);
            for (Operation op : ops) {
                hostsOf.computeIfAbsent(op.text(), t -> new ArrayList<>()).add(host.host());
                linesOf.putIfAbsent(op.text(), op.lines());
            }
        }
        List<PlanLines.Line> shared = new ArrayList<>();
        hostsOf.forEach((text, hosts) -> {
            if (hosts.size() > 1) {
                List<PlanLines.Line> lines = linesOf.get(text);
                PlanLines.Line head = lines.getFirst();
                shared.add(new PlanLines.Line(head.action(), onHosts(head.text(), hosts)));
                shared.addAll(lines.subList(1, lines.size()));
            }
        });
        if (!shared.isEmpty()) {
            out.append("<details><summary>On several hosts (").append(hostsOf.values().stream().filter(h -> h.size() > 1).count())
                    .append(" operations)</summary>\n\n");
            fence(shared, out);
            out.append("</details>\n\n");
        }
        plan.hosts().stream().limit(MAX_HOSTS).forEach(host -> {
            List<PlanLines.Line> own = new ArrayList<>();
            long elsewhere = 0;
            for (Operation op : operations.get(host.host())) {
                if (hostsOf.get(op.text()).size() > 1) {
                    elsewhere++;
                } else {
                    own.addAll(op.lines());
                }
            }
            out.append("<details><summary>Host <code>").append(host.host()).append("</code>: ").append(PlanLines.hostCounts(host))
                    .append(elsewhere == 0 ? "" : " (" + elsewhere + " of them under On several hosts)").append("</summary>\n\n");
            if (!own.isEmpty()) {
                fence(own, out);
            }
            out.append("</details>\n\n");
        });
        if (plan.hosts().size() > MAX_HOSTS) {
            out.append("…and ").append(plan.hosts().size() - MAX_HOSTS)
                    .append(" more hosts. `weft plan --output json` lists every operation.\n");
        }
        return cut(out.toString());
    }

    /** One host object's change as the comment shows it: its lines, and their text, which is the same on every host it is the same on. */
    private record Operation(List<PlanLines.Line> lines, String text) {
        static Operation of(ObjectChange change) {
            List<PlanLines.Line> lines = PlanLines.object(change);
            return new Operation(lines, lines.stream().map(PlanLines.Line::text).collect(Collectors.joining("\n")));
        }
    }

    /** The first line of an operation shown once for {@code hosts}: its object, "on N hosts (…)", then the rest of the line. */
    static String onHosts(String head, List<String> hosts) {
        int end = head.indexOf("  ");
        String names = hosts.size() <= 8 ? String.join(", ", hosts) : String.join(", ", hosts.subList(0, 8)) + ", …";
        String note = " on " + hosts.size() + " hosts (" + names + ")";
        return end < 0 ? head + note : head.substring(0, end) + note + head.substring(end);
    }

    /**
     * The comment, cut below GitHub's 65,536 characters when it is longer: at the last whole line that leaves room for
     * closing an open code block and for a note saying so.
     */
    static String cut(String comment) {
        if (comment.length() <= LIMIT) {
            return comment;
        }
        String note = "\n**This plan is " + comment.length() + " characters, more than a GitHub comment holds: cut here.** "
                + "`weft plan --output json` (or `--output text`) shows all of it.\n";
        int at = comment.lastIndexOf('\n', LIMIT - note.length() - 64);
        String kept = comment.substring(0, at + 1);
        boolean openFence = kept.split("\n```", -1).length % 2 == 0; // an odd count of fences so far: one is open
        boolean openDetails = kept.lastIndexOf("<details") > kept.lastIndexOf("</details>");
        return kept + (openFence ? "```\n" : "") + (openDetails ? "\n</details>\n" : "") + note;
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

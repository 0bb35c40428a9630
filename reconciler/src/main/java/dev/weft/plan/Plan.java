package dev.weft.plan;

import java.util.List;

/**
 * The dry run of moving from one desired state to another: the resources that change and, per affected
 * host, the operations its agent will receive. Hosts and resources that don't change are not listed.
 *
 * @param base       what the plan starts from: a revision, or "live" state
 * @param head       the revision the plan moves to
 * @param totalHosts how many hosts the head revision has
 */
public record Plan(String base, String head, List<ResourceChange> resources, List<HostChange> hosts, int totalHosts) {

    public Plan {
        resources = List.copyOf(resources);
        hosts = List.copyOf(hosts);
    }

    /** A revision as people read it: the first 12 hex digits of a commit id, anything else as it is. */
    public static String abbreviate(String revision) {
        return revision.length() == 40 && revision.chars().allMatch(c -> Character.digit(c, 16) >= 0) ? revision.substring(0, 12) : revision;
    }

    /** The base used for a plan against what the agents hold. */
    public static final String LIVE = "live";

    /** A plan from the agents' live state: it has host changes only, no resource changes. */
    public boolean live() {
        return LIVE.equals(base);
    }

    public boolean hasChanges() {
        return !resources.isEmpty() || !hosts.isEmpty();
    }

    public long resourceCount(Action action) {
        return resources.stream().filter(r -> r.action() == action).count();
    }

    public long operations() {
        return hosts.stream().mapToLong(h -> h.objects().size()).sum();
    }
}

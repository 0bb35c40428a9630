package dev.weft.plan;

import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import dev.weft.compile.Compiled;
import dev.weft.compile.HostUnit;
import dev.weft.compile.NetworkUnit;
import dev.weft.model.ModelDiff;
import dev.weft.model.Resource;
import dev.weft.model.ResourceId;
import dev.weft.model.SortedMerge;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Diffs two desired states: resources field by field, and host programming object by object. Host
 * digests are compared first, and a network unit shared by both sides is skipped whole, so the work
 * follows the size of the change, not of the model.
 */
public final class Differ {

    private Differ() {
    }

    public static Plan plan(String base, String head, Compiled before, Compiled after) {
        return plan(base, head, before, after, ModelDiff.between(before.model(), after.model()));
    }

    /** As {@link #plan(String, String, Compiled, Compiled)}, with the model diff already computed. */
    public static Plan plan(String base, String head, Compiled before, Compiled after, ModelDiff diff) {
        return new Plan(base, head, resources(diff), hosts(before, after), after.hostNames().size());
    }

    public static List<ResourceChange> resources(ModelDiff diff) {
        List<ResourceChange> changes = new ArrayList<>();
        diff.hosts().forEach(c -> changes.add(resource(c)));
        diff.networks().forEach(c -> changes.add(resource(c)));
        diff.interfaces().forEach(c -> changes.add(resource(c)));
        diff.securityGroups().forEach(c -> changes.add(resource(c)));
        diff.logicalNetworks().forEach(c -> changes.add(resource(c)));
        diff.publicIps().forEach(c -> changes.add(resource(c)));
        diff.natGateways().forEach(c -> changes.add(resource(c)));
        diff.loadBalancers().forEach(c -> changes.add(resource(c)));
        diff.peerings().forEach(c -> changes.add(resource(c)));
        diff.routeTables().forEach(c -> changes.add(resource(c)));
        diff.taps().forEach(c -> changes.add(resource(c)));
        changes.sort((x, y) -> x.id().compareTo(y.id()));
        return changes;
    }

    private static ResourceChange resource(ModelDiff.Change<? extends Resource> change) {
        Resource x = change.before();
        Resource y = change.after();
        if (x == null) {
            return new ResourceChange(Action.add, y.id(), fields(Map.of(), y.fields()));
        }
        if (y == null) {
            return new ResourceChange(Action.remove, x.id(), List.of());
        }
        return new ResourceChange(Action.change, y.id(), fields(x.fields(), y.fields()));
    }

    /**
     * One host's change from what its agent holds ({@code live}) to what it should hold; null when they
     * are the same. This is what the agent is sent, as upserts and deletes.
     */
    public static HostChange host(String host, NavigableMap<ObjectKey, HostObject> live, Digest liveDigest,
                                  NavigableMap<ObjectKey, HostObject> desired, Digest desiredDigest) {
        if (liveDigest.equals(desiredDigest)) {
            return null;
        }
        List<ObjectChange> objects = new ArrayList<>();
        SortedMerge.merge(live, desired, (key, x, y) -> object(x, y, objects));
        return objects.isEmpty() ? null : new HostChange(host, liveDigest, desiredDigest, objects);
    }

    public static List<HostChange> hosts(Compiled before, Compiled after) {
        List<HostChange> changes = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(before.hostNames());
        names.addAll(after.hostNames());
        for (String host : names) {
            var digestBefore = before.digest(host);
            var digestAfter = after.digest(host);
            if (digestBefore.equals(digestAfter)) {
                continue;
            }
            List<ObjectChange> objects = new ArrayList<>();
            hostObjects(before, after, host, objects);
            if (!objects.isEmpty()) {
                objects.sort((x, y) -> x.id().compareTo(y.id()));
                changes.add(new HostChange(host, digestBefore, digestAfter, objects));
            }
        }
        return changes;
    }

    private static void hostObjects(Compiled before, Compiled after, String host, List<ObjectChange> out) {
        HostUnit a = before.hosts().get(host);
        HostUnit b = after.hosts().get(host);
        if (a != b) {
            objects(a == null ? null : a.objects(), b == null ? null : b.objects(), out);
        }
        TreeSet<ResourceId> networks = new TreeSet<>();
        if (a != null) {
            networks.addAll(a.networks());
        }
        if (b != null) {
            networks.addAll(b.networks());
        }
        for (ResourceId id : networks) {
            NetworkUnit x = a != null && a.networks().contains(id) ? before.networks().get(id) : null;
            NetworkUnit y = b != null && b.networks().contains(id) ? after.networks().get(id) : null;
            if (x == y || (x != null && y != null && x.digest().equals(y.digest()))) {
                continue;
            }
            object(x == null ? null : x.network(), y == null ? null : y.network(), out);
            objects(x == null ? null : x.mappings(), y == null ? null : y.mappings(), out);
        }
    }

    private static void objects(NavigableMap<String, HostObject> before, NavigableMap<String, HostObject> after, List<ObjectChange> out) {
        SortedMerge.merge(before == null ? new TreeMap<>() : before, after == null ? new TreeMap<>() : after, (key, x, y) -> object(x, y, out));
    }

    private static void object(HostObject x, HostObject y, List<ObjectChange> out) {
        if (x == null && y == null || Objects.equals(x, y)) {
            return;
        }
        if (x == null) {
            out.add(new ObjectChange(Action.add, y.id(), null, y, List.of()));
        } else if (y == null) {
            out.add(new ObjectChange(Action.remove, x.id(), x, null, List.of()));
        } else {
            out.add(new ObjectChange(Action.change, y.id(), x, y, fields(SpecFields.flatten(x.fields()), SpecFields.flatten(y.fields()))));
        }
    }

    /** The fields that differ, in field order; for an added resource, every field. */
    static List<FieldChange> fields(Map<String, String> before, Map<String, String> after) {
        List<FieldChange> changes = new ArrayList<>();
        SortedMerge.merge(new TreeMap<>(before), new TreeMap<>(after), (key, x, y) -> {
            if (!Objects.equals(x, y)) {
                changes.add(new FieldChange(key, x, y));
            }
        });
        return changes;
    }
}

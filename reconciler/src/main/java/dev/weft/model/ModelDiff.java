package dev.weft.model;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The resources that differ between two models, each as a (before, after) pair: before is null for an
 * added resource, after for a removed one. Computed once per change and shared by the compiler (which
 * rebuilds only what these touch) and the plan (which lists them). Unchanged resources are usually the
 * same instances in both models (revisions share parsed files), so the walk is a pointer comparison each.
 */
public record ModelDiff(List<Change<Host>> hosts, List<Change<VirtualNetwork>> networks, List<Change<NetworkInterface>> interfaces,
                        List<Change<NetworkSecurityGroup>> securityGroups) {

    /** One resource's two sides. */
    public record Change<R extends Resource>(R before, R after) {
        public ResourceId id() {
            return before != null ? before.id() : after.id();
        }
    }

    public ModelDiff {
        hosts = List.copyOf(hosts);
        networks = List.copyOf(networks);
        interfaces = List.copyOf(interfaces);
        securityGroups = List.copyOf(securityGroups);
    }

    public static ModelDiff between(Model before, Model after) {
        return new ModelDiff(changes(before.hosts(), after.hosts()), changes(before.networks(), after.networks()),
                changes(before.interfaces(), after.interfaces()), changes(before.securityGroups(), after.securityGroups()));
    }

    public boolean isEmpty() {
        return hosts.isEmpty() && networks.isEmpty() && interfaces.isEmpty() && securityGroups.isEmpty();
    }

    /** Walks both sorted maps once, in key order. */
    private static <K extends Comparable<K>, R extends Resource> List<Change<R>> changes(NavigableMap<K, R> before, NavigableMap<K, R> after) {
        List<Change<R>> changes = new ArrayList<>();
        Iterator<Map.Entry<K, R>> a = before.entrySet().iterator();
        Iterator<Map.Entry<K, R>> b = after.entrySet().iterator();
        Map.Entry<K, R> x = a.hasNext() ? a.next() : null;
        Map.Entry<K, R> y = b.hasNext() ? b.next() : null;
        while (x != null || y != null) {
            int order = x == null ? 1 : y == null ? -1 : x.getKey() == y.getKey() ? 0 : x.getKey().compareTo(y.getKey());
            if (order < 0) {
                changes.add(new Change<>(x.getValue(), null));
                x = a.hasNext() ? a.next() : null;
            } else if (order > 0) {
                changes.add(new Change<>(null, y.getValue()));
                y = b.hasNext() ? b.next() : null;
            } else {
                if (x.getValue() != y.getValue() && !x.getValue().equals(y.getValue())) {
                    changes.add(new Change<>(x.getValue(), y.getValue()));
                }
                x = a.hasNext() ? a.next() : null;
                y = b.hasNext() ? b.next() : null;
            }
        }
        return changes;
    }
}

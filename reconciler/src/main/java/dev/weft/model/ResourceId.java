package dev.weft.model;

import java.util.Comparator;

/** Identifies a resource: kind, namespace (empty for cluster-scoped kinds) and name. */
public record ResourceId(Kind kind, String namespace, String name) implements Comparable<ResourceId> {

    public static final String DEFAULT_NAMESPACE = "default";

    private static final Comparator<ResourceId> ORDER = Comparator.comparing(ResourceId::kind)
            .thenComparing(ResourceId::namespace)
            .thenComparing(ResourceId::name);

    public ResourceId {
        namespace = kind.clusterScoped() ? "" : namespace;
    }

    @Override
    public int compareTo(ResourceId other) {
        return ORDER.compare(this, other);
    }

    /** {@code VirtualNetwork tenant-a/blue}, {@code Host host-a}. */
    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }
}

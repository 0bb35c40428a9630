package dev.weft.model;

/** Identifies a resource: kind, namespace (empty for cluster-scoped kinds) and name. */
public record ResourceId(Kind kind, String namespace, String name) implements Comparable<ResourceId> {

    public static final String DEFAULT_NAMESPACE = "default";

    public ResourceId {
        namespace = kind.clusterScoped() ? "" : namespace;
    }

    @Override
    public int compareTo(ResourceId other) {
        if (this == other) {
            return 0;
        }
        int order = kind.compareTo(other.kind);
        if (order == 0) {
            order = namespace.compareTo(other.namespace);
        }
        return order != 0 ? order : name.compareTo(other.name);
    }

    /** {@code VirtualNetwork tenant-a/blue}, {@code Host host-a}. */
    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }
}

package dev.weft.agent.object;

import java.util.Comparator;

/** The stable identity of a host object: its kind and key (e.g. Port {@code tenant-a/web-1}). */
public record ObjectKey(ObjectKind kind, String key) implements Comparable<ObjectKey> {

    private static final Comparator<ObjectKey> ORDER = Comparator.comparing(ObjectKey::kind).thenComparing(ObjectKey::key);

    @Override
    public int compareTo(ObjectKey other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return kind + " " + key;
    }
}

package dev.weft.contract;

/** The stable identity of a host object: its kind and key (e.g. Port {@code tenant-a/web-1}). */
public record ObjectKey(ObjectKind kind, String key) implements Comparable<ObjectKey> {

    @Override
    public int compareTo(ObjectKey other) {
        int order = kind.compareTo(other.kind);
        return order != 0 ? order : key.compareTo(other.key);
    }

    @Override
    public String toString() {
        return kind + " " + key;
    }
}

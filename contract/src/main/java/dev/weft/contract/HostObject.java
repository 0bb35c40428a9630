package dev.weft.contract;

import java.nio.charset.StandardCharsets;
import java.util.SortedMap;

/**
 * One object an agent stores: kind, stable key, typed spec, and the spec's canonical JSON and digest,
 * computed once. Two objects are equal when kind, key and canonical spec are. Immutable.
 */
public final class HostObject implements Comparable<HostObject> {

    private final ObjectKey id;
    private final Spec spec;
    private final String canonical;
    private final Digest digest;

    private HostObject(Spec spec) {
        this.id = new ObjectKey(spec.kind(), spec.key());
        this.spec = spec;
        this.canonical = Wire.canonical(spec);
        this.digest = Digest.sha256((id.kind() + "\n" + id.key() + "\n" + canonical).getBytes(StandardCharsets.UTF_8));
    }

    public static HostObject of(Spec spec) {
        return new HostObject(spec);
    }

    public ObjectKey id() {
        return id;
    }

    public ObjectKind kind() {
        return id.kind();
    }

    public String key() {
        return id.key();
    }

    public Spec spec() {
        return spec;
    }

    /** The spec as the record of its kind. */
    public <T extends Spec> T spec(Class<T> type) {
        return type.cast(spec);
    }

    /** The spec's fields as sorted maps and lists of plain values, for showing and diffing (never for the wire). */
    public SortedMap<String, Object> fields() {
        return Wire.fields(canonical);
    }

    public String canonicalSpec() {
        return canonical;
    }

    public Digest digest() {
        return digest;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof HostObject other && id.equals(other.id) && canonical.equals(other.canonical));
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + canonical.hashCode();
    }

    @Override
    public int compareTo(HostObject other) {
        return id.compareTo(other.id);
    }

    @Override
    public String toString() {
        return id + " " + canonical;
    }
}

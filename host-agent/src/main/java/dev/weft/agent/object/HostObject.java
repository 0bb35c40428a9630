package dev.weft.agent.object;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One object an agent stores: kind, stable key, spec, and the spec's canonical JSON and digest, computed
 * once. Two objects are equal when kind, key and canonical spec are. Immutable.
 */
public final class HostObject implements Comparable<HostObject> {

    private final ObjectKey id;
    private final SortedMap<String, Object> spec;
    private final String canonical;
    private final Digest digest;

    private HostObject(ObjectKey id, SortedMap<String, Object> spec) {
        this.id = id;
        this.spec = spec;
        this.canonical = CanonicalJson.write(spec);
        this.digest = Digest.sha256((id.kind() + "\n" + id.key() + "\n" + canonical).getBytes(StandardCharsets.UTF_8));
    }

    /** A new object; the spec is copied deeply into unmodifiable sorted maps and lists. */
    public static HostObject of(ObjectKind kind, String key, Map<String, ?> spec) {
        @SuppressWarnings("unchecked")
        SortedMap<String, Object> frozen = (SortedMap<String, Object>) freeze(spec);
        return new HostObject(new ObjectKey(kind, key), frozen);
    }

    private static Object freeze(Object value) {
        return switch (value) {
            case Map<?, ?> map -> {
                TreeMap<String, Object> copy = new TreeMap<>();
                map.forEach((k, v) -> copy.put((String) k, freeze(v)));
                yield Collections.unmodifiableSortedMap(copy);
            }
            case List<?> list -> list.stream().map(HostObject::freeze).toList();
            case Integer i -> i.longValue(); // one integer type, so a spec read back from JSON is equal
            default -> value;
        };
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

    public SortedMap<String, Object> spec() {
        return spec;
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

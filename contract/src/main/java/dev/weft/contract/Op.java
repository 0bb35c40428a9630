package dev.weft.contract;

/**
 * One idempotent operation: {@code upsert(kind, key, spec)} or {@code delete(kind, key)}.
 *
 * @param object the object to store for an upsert, null for a delete
 */
public record Op(Type type, ObjectKey id, HostObject object) {

    public enum Type { upsert, delete }

    public Op {
        if ((type == Type.upsert) != (object != null)) {
            throw new IllegalArgumentException("an upsert carries an object and a delete none");
        }
    }

    public static Op upsert(HostObject object) {
        return new Op(Type.upsert, object.id(), object);
    }

    public static Op upsert(Spec spec) {
        return upsert(spec.toObject());
    }

    public static Op delete(ObjectKey id) {
        return new Op(Type.delete, id, null);
    }

    public ObjectKind kind() {
        return id.kind();
    }

    public String key() {
        return id.key();
    }
}

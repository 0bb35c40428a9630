package dev.weft.agent.store;

import dev.weft.agent.object.HostObject;
import dev.weft.agent.object.ObjectKey;
import dev.weft.agent.object.ObjectKind;
import java.util.Map;

/**
 * One idempotent operation: {@code upsert(kind, key, spec)} or {@code delete(kind, key)}.
 *
 * @param spec the object's spec for an upsert, null for a delete
 */
public record Op(Type type, ObjectKind kind, String key, Map<String, Object> spec) {

    public enum Type { upsert, delete }

    public static Op upsert(HostObject object) {
        return new Op(Type.upsert, object.kind(), object.key(), object.spec());
    }

    public static Op delete(ObjectKey id) {
        return new Op(Type.delete, id.kind(), id.key(), null);
    }

    public ObjectKey id() {
        return new ObjectKey(kind, key);
    }
}

package dev.weft.agent.store;

import dev.weft.agent.object.HostObject;
import dev.weft.agent.object.MappingSpec;
import dev.weft.agent.object.NetworkSpec;
import dev.weft.agent.object.ObjectKind;
import dev.weft.agent.object.PortSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Host objects and operations to and from JSON, and the check that a spec is well-formed for its kind. */
public final class ObjectCodec {

    private ObjectCodec() {
    }

    public static JsonObject toJson(HostObject object) {
        return new JsonObject().put("kind", object.kind().name()).put("key", object.key()).put("spec", new JsonObject(object.canonicalSpec()));
    }

    public static JsonObject toJson(Op op) {
        JsonObject json = new JsonObject().put("op", op.type().name()).put("kind", op.kind().name()).put("key", op.key());
        if (op.spec() != null) {
            json.put("spec", new JsonObject(dev.weft.agent.object.CanonicalJson.write(op.spec())));
        }
        return json;
    }

    public static JsonObject toJson(Batch batch) {
        JsonArray ops = new JsonArray();
        batch.ops().forEach(op -> ops.add(toJson(op)));
        return new JsonObject().put("epoch", batch.epoch()).put("revision", batch.revision()).put("baseDigest", batch.baseDigest())
                .put("ops", ops);
    }

    /** Reads a batch; any malformed part is an {@link ApplyException} 422 naming the op. */
    public static Batch batch(JsonObject json) throws ApplyException {
        Object epoch = json.getValue("epoch");
        if (!(epoch instanceof Number number)) {
            throw new ApplyException(ApplyException.INVALID, "epoch: a number is required");
        }
        JsonArray ops = json.getValue("ops") instanceof JsonArray array ? array : null;
        if (ops == null) {
            throw new ApplyException(ApplyException.INVALID, "ops: a list is required");
        }
        List<Op> parsed = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.getValue(i) instanceof JsonObject op)) {
                throw new ApplyException(ApplyException.INVALID, "ops[" + i + "]: an object is required");
            }
            parsed.add(op(op, "ops[" + i + "]"));
        }
        return new Batch(number.longValue(), json.getString("revision", ""), json.getString("baseDigest"), parsed);
    }

    private static Op op(JsonObject json, String where) throws ApplyException {
        Op.Type type;
        ObjectKind kind;
        try {
            type = Op.Type.valueOf(String.valueOf(json.getValue("op")));
        } catch (IllegalArgumentException e) {
            throw new ApplyException(ApplyException.INVALID, where + ".op: \"upsert\" or \"delete\" is required, not " + json.getValue("op"));
        }
        try {
            kind = ObjectKind.valueOf(String.valueOf(json.getValue("kind")));
        } catch (IllegalArgumentException e) {
            throw new ApplyException(ApplyException.INVALID, where + ".kind: unknown kind " + json.getValue("kind"));
        }
        if (!(json.getValue("key") instanceof String key) || key.isEmpty()) {
            throw new ApplyException(ApplyException.INVALID, where + ".key: a non-empty string is required");
        }
        if (type == Op.Type.delete) {
            return new Op(type, kind, key, null);
        }
        if (!(json.getValue("spec") instanceof JsonObject spec)) {
            throw new ApplyException(ApplyException.INVALID, where + ".spec: an upsert needs a spec object");
        }
        Op op = new Op(type, kind, key, spec.getMap());
        check(object(op), where);
        return op;
    }

    public static HostObject object(Op op) {
        return HostObject.of(op.kind(), op.key(), op.spec());
    }

    public static HostObject object(JsonObject json) {
        return HostObject.of(ObjectKind.valueOf(json.getString("kind")), json.getString("key"), json.getJsonObject("spec").getMap());
    }

    /** Parses the spec with its kind's reader: a missing or mistyped field, or a key that doesn't match, is refused. */
    static void check(HostObject object, String where) throws ApplyException {
        try {
            String expected = switch (object.kind()) {
                case Port -> {
                    PortSpec port = PortSpec.from(object);
                    dev.weft.agent.SecurityCompiler.of(port.security()); // malformed layers are refused too
                    yield port.key();
                }
                case Mapping -> MappingSpec.from(object).key();
                case Network -> NetworkSpec.from(object).key();
            };
            if (!expected.equals(object.key())) {
                throw new ApplyException(ApplyException.INVALID, where + ".key: " + object.key() + " does not match its spec (" + expected + ")");
            }
        } catch (RuntimeException e) {
            throw new ApplyException(ApplyException.INVALID, where + ".spec: invalid " + object.kind() + " " + object.key() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }
}

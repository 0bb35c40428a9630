package dev.weft.contract;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent API's JSON, in one place (Jackson): host objects ({@code {kind, key, spec}}), batches, state
 * and error bodies, and the canonical JSON of a spec that digests are computed over. Addresses, prefixes,
 * MACs and port ranges are strings; every field of a spec is required; unknown fields are refused. A
 * malformed batch is a {@link ContractException} ({@link ApiError#INVALID}) naming the field, e.g.
 * {@code ops[2].spec.mac: not a MAC address: zz}.
 */
public final class Wire {

    static final JsonMapper MAPPER = JsonMapper.builder()
            .addModule(new SimpleModule("weft-values")
                    .addSerializer(Ipv4.class, text(Ipv4::toString)).addDeserializer(Ipv4.class, parse(Ipv4.class, Ipv4::parse))
                    .addSerializer(Ipv4Prefix.class, text(Ipv4Prefix::toString))
                    .addDeserializer(Ipv4Prefix.class, parse(Ipv4Prefix.class, Ipv4Prefix::parse))
                    .addSerializer(MacAddress.class, text(MacAddress::toString))
                    .addDeserializer(MacAddress.class, parse(MacAddress.class, MacAddress::parse))
                    .addSerializer(PortRange.class, text(PortRange::toString))
                    .addDeserializer(PortRange.class, parse(PortRange.class, PortRange::parse)))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                    DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .build();

    /** For messages with optional fields (the trace's): records check themselves. */
    private static final JsonMapper OPTIONAL_FIELDS = MAPPER.rebuild()
            .disable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .build();

    private Wire() {
    }

    private static <T> ValueSerializer<T> text(Function<T, String> format) {
        return new ValueSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator gen, SerializationContext ctxt) {
                gen.writeString(format.apply(value));
            }
        };
    }

    private static <T> ValueDeserializer<T> parse(Class<T> type, Function<String, T> parser) {
        return new ValueDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) {
                String text = p.getValueAsString();
                if (text == null) {
                    return (T) ctxt.handleUnexpectedToken(type, p);
                }
                try {
                    return parser.apply(text);
                } catch (RuntimeException e) {
                    throw ctxt.weirdStringException(text, type, e.getMessage());
                }
            }
        };
    }

    /** The canonical JSON of a spec: keys sorted, no whitespace, integers as integers (see {@link CanonicalJson}). */
    static String canonical(Spec spec) {
        return CanonicalJson.write(MAPPER.convertValue(spec, new TypeReference<Map<String, Object>>() { }));
    }

    static SortedMap<String, Object> fields(String canonical) {
        return Collections.unmodifiableSortedMap(MAPPER.readValue(canonical, new TypeReference<TreeMap<String, Object>>() { }));
    }

    public static ObjectNode tree(HostObject object) {
        ObjectNode node = MAPPER.createObjectNode().put("kind", object.kind().name()).put("key", object.key());
        node.set("spec", MAPPER.readTree(object.canonicalSpec()));
        return node;
    }

    /** Reads one host object; {@code where} prefixes the field in any error. */
    public static HostObject object(JsonNode json, String where) throws ContractException {
        if (json == null || !json.isObject()) {
            throw invalid(where, "an object is required");
        }
        ObjectKind kind = kind(json.get("kind"), where);
        String key = key(json.get("key"), where);
        return object(kind, key, json.get("spec"), where);
    }

    private static HostObject object(ObjectKind kind, String key, JsonNode spec, String where) throws ContractException {
        if (spec == null || !spec.isObject()) {
            throw invalid(where + ".spec", "an object is required");
        }
        Spec typed;
        try {
            typed = MAPPER.treeToValue(spec, kind.specType());
        } catch (JacksonException e) {
            throw invalid(where + ".spec" + path(e), message(e));
        }
        if (!typed.key().equals(key)) {
            throw invalid(where + ".key", key + " does not match its spec (" + typed.key() + ")");
        }
        return typed.toObject();
    }

    private static ObjectKind kind(JsonNode node, String where) throws ContractException {
        try {
            return ObjectKind.valueOf(node == null ? "" : node.asString());
        } catch (IllegalArgumentException e) {
            throw invalid(where + ".kind", "unknown kind " + node + " (one of " + List.of(ObjectKind.values()) + ")");
        }
    }

    private static String key(JsonNode node, String where) throws ContractException {
        if (node == null || !node.isString() || node.asString().isEmpty()) {
            throw invalid(where + ".key", "a non-empty string is required");
        }
        return node.asString();
    }

    /** The JSON path of a Jackson error below the node it read: {@code .security.inbound[0].rules[2].priority}. */
    private static String path(JacksonException e) {
        StringBuilder out = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                out.append('.').append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String message(JacksonException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException || cause instanceof NullPointerException) {
            return cause instanceof NullPointerException ? cause.getMessage() + " is required" : cause.getMessage();
        }
        String original = e.getOriginalMessage();
        int cut = original.indexOf('\n');
        return cut > 0 ? original.substring(0, cut) : original;
    }

    private static ContractException invalid(String field, String message) {
        return new ContractException(ApiError.INVALID, field + ": " + message);
    }

    public static String write(Batch batch) {
        ObjectNode json = MAPPER.createObjectNode().put("epoch", batch.epoch()).put("revision", batch.revision())
                .put("baseDigest", batch.baseDigest());
        ArrayNode ops = json.putArray("ops");
        for (Op op : batch.ops()) {
            if (op.type() == Op.Type.upsert) {
                ops.add(tree(op.object()).put("op", "upsert"));
            } else {
                ops.addObject().put("op", "delete").put("kind", op.kind().name()).put("key", op.key());
            }
        }
        return json.toString();
    }

    /** Reads a batch; a body that isn't a JSON object is {@link ApiError#BAD_REQUEST}, a malformed part {@link ApiError#INVALID}. */
    public static Batch batch(String body) throws ContractException {
        JsonNode json = parseObject(body);
        JsonNode epoch = json.get("epoch");
        if (epoch == null || !epoch.isIntegralNumber() || !epoch.canConvertToLong() || epoch.longValue() < 0) {
            throw invalid("epoch", "a non-negative integer is required");
        }
        JsonNode ops = json.get("ops");
        if (ops == null || !ops.isArray()) {
            throw invalid("ops", "a list is required");
        }
        List<Op> parsed = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            parsed.add(op(ops.get(i), "ops[" + i + "]"));
        }
        JsonNode revision = json.get("revision");
        JsonNode base = json.get("baseDigest");
        return new Batch(epoch.longValue(), revision == null || revision.isNull() ? "" : revision.asString(),
                base == null || base.isNull() ? null : base.asString(), parsed);
    }

    private static Op op(JsonNode json, String where) throws ContractException {
        if (json == null || !json.isObject()) {
            throw invalid(where, "an object is required");
        }
        JsonNode type = json.get("op");
        ObjectKind kind = kind(json.get("kind"), where);
        String key = key(json.get("key"), where);
        if (type != null && "delete".equals(type.asString())) {
            return Op.delete(new ObjectKey(kind, key));
        }
        if (type == null || !"upsert".equals(type.asString())) {
            throw invalid(where + ".op", "\"upsert\" or \"delete\" is required, not " + type);
        }
        return Op.upsert(object(kind, key, json.get("spec"), where));
    }

    public static String write(AgentState state, boolean withObjects) {
        ObjectNode json = MAPPER.createObjectNode().put("host", state.host()).put("epoch", state.epoch())
                .put("digest", state.digest().toString()).put("revision", state.revision()).put("version", state.version());
        if (withObjects) {
            ArrayNode objects = json.putArray("objects");
            state.objects().values().forEach(o -> objects.add(tree(o)));
        }
        return json.toString();
    }

    /** Reads a state with its objects (checked like a batch's); the digest must be theirs. */
    public static AgentState state(String body) throws ContractException {
        JsonNode json = parseObject(body);
        NavigableMap<ObjectKey, HostObject> objects = new TreeMap<>();
        JsonNode list = json.get("objects");
        if (list == null || !list.isArray()) {
            throw invalid("objects", "a list is required");
        }
        Digest digest = Digest.ZERO;
        for (int i = 0; i < list.size(); i++) {
            HostObject object = object(list.get(i), "objects[" + i + "]");
            objects.put(object.id(), object);
            digest = digest.plus(object.digest());
        }
        AgentState summary = summary(json);
        if (!digest.equals(summary.digest())) {
            throw invalid("digest", "its objects don't match its digest " + summary.digest());
        }
        return new AgentState(summary.host(), summary.epoch(), summary.revision(), digest, Collections.unmodifiableNavigableMap(objects),
                summary.version());
    }

    /** Reads host, epoch, revision, digest and version of a state; its objects, if any, are left out. */
    public static AgentState summary(JsonNode json) throws ContractException {
        JsonNode host = json.get("host");
        JsonNode epoch = json.get("epoch");
        JsonNode digest = json.get("digest");
        if (host == null || !host.isString() || epoch == null || !epoch.canConvertToLong() || digest == null || !digest.isString()) {
            throw invalid("state", "host, epoch and digest are required");
        }
        JsonNode revision = json.get("revision");
        JsonNode version = json.get("version");
        try {
            return new AgentState(host.asString(), epoch.longValue(), revision == null ? "" : revision.asString(),
                    Digest.parse(digest.asString()), Collections.emptyNavigableMap(), version == null || !version.isString() ? "unknown" : version.asString());
        } catch (IllegalArgumentException e) {
            throw invalid("digest", e.getMessage());
        }
    }

    public static JsonNode parseObject(String body) throws ContractException {
        JsonNode json;
        try {
            json = MAPPER.readTree(body == null ? "" : body);
        } catch (JacksonException e) {
            throw new ContractException(ApiError.BAD_REQUEST, "the body is not JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw new ContractException(ApiError.BAD_REQUEST, "the body must be a JSON object");
        }
        return json;
    }

    /** An error body: {@code {"code": "STALE_EPOCH", "error": "…"}}. */
    public static String error(ApiError code, String message) {
        return MAPPER.createObjectNode().put("code", code.name()).put("error", message).toString();
    }

    /** Any value as JSON (records through Jackson). */
    public static String json(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Reads a message whose record checks its own fields (e.g. {@link TraceRequest}); absent fields are null. */
    public static <T> T read(String body, Class<T> type) throws ContractException {
        try {
            return OPTIONAL_FIELDS.readValue(body, type);
        } catch (JacksonException e) {
            throw invalid(type.getSimpleName() + path(e), message(e));
        }
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }
}

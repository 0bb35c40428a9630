package dev.weft.manifest;

import com.networknt.schema.Error;
import com.networknt.schema.ExecutionContext;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.format.Format;
import com.networknt.schema.path.PathType;
import dev.weft.model.Kind;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates documents against the JSON Schema of their kind (draft 2020-12, networknt) and maps every
 * error back to the file, line and column of the offending node.
 */
public final class SchemaValidator {

    private static final String SCHEMA_BASE = "https://weft.dev/schemas/";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** A JSON Schema format checked by Weft's own address parsers. */
    private record WeftFormat(String name, String expected, Predicate<String> test) implements Format {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean matches(ExecutionContext context, String value) {
            return test.test(value);
        }
    }

    private static final Map<String, WeftFormat> FORMATS = Map.of(
            "ipv4", new WeftFormat("ipv4", "an IPv4 address like 10.1.1.4", s -> Ipv4.tryParse(s) != null),
            "ipv4-cidr", new WeftFormat("ipv4-cidr", "an IPv4 prefix in CIDR notation like 10.1.0.0/16",
                    s -> Ipv4Prefix.tryParse(s) != null),
            "mac-address", new WeftFormat("mac-address", "a MAC address like 02:00:0a:01:01:04",
                    s -> MacAddress.tryParse(s) != null),
            "address-prefix", new WeftFormat("address-prefix", "an IPv4 prefix in CIDR notation, * or VirtualNetwork",
                    s -> s.equals("*") || s.equals("VirtualNetwork") || Ipv4Prefix.tryParse(s) != null),
            "port-range", new WeftFormat("port-range", "a port (80), a range (8000-8100) or *, with ports up to 65535",
                    s -> dev.weft.model.PortRange.tryParse(s) != null),
            "dns-1123-label", new WeftFormat("dns-1123-label",
                    "a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
                    SchemaValidator::isDnsLabel));

    /** [a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?, without a regular expression: it runs for every name. */
    static boolean isDnsLabel(String s) {
        int n = s.length();
        if (n == 0 || n > 63 || s.charAt(0) == '-' || s.charAt(n - 1) == '-') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private final Map<Kind, Schema> schemas = new EnumMap<>(Kind.class);
    private final Map<String, JsonNode> schemaTrees = new ConcurrentHashMap<>();

    public SchemaValidator() {
        Dialect dialect = Dialect.builder(Dialects.getDraft202012()).formats(f -> f.putAll(FORMATS)).build();
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .formatAssertionsEnabled(true)
                .pathType(PathType.JSON_POINTER)
                .build();
        SchemaRegistry registry = SchemaRegistry.withDialect(dialect, builder -> builder
                .schemaRegistryConfig(config)
                .defaultDialectId(SpecificationVersion.DRAFT_2020_12.getDialectId())
                .schemaIdResolvers(ids -> ids.mapPrefix(SCHEMA_BASE, "classpath:schemas/")));
        for (Kind kind : Kind.values()) {
            schemas.put(kind, registry.getSchema(SchemaLocation.of(SCHEMA_BASE + resourceName(kind))));
        }
    }

    private static String resourceName(Kind kind) {
        return kind.schemaResource().substring("schemas/".length());
    }

    /** Every schema error of {@code document}, which must be of {@code kind}. */
    public List<Problem> validate(Document document, Kind kind) {
        List<Problem> problems = new ArrayList<>();
        for (Error error : schemas.get(kind).validate(document.body())) {
            problems.add(toProblem(document, error));
        }
        return problems;
    }

    private Problem toProblem(Document document, Error error) {
        String pointer = error.getInstanceLocation().toString();
        if (pointer.equals("/") ) {
            pointer = "";
        }
        String property = error.getProperty();
        JsonNode value = error.getInstanceNode();
        return switch (error.getKeyword()) {
            case "additionalProperties" -> {
                String child = FieldPath.child(pointer, property);
                yield document.problemAtKey(child, "unknown field \"" + property + "\"" + suggestion(error, property));
            }
            case "required" -> new Problem(document.keyAt(pointer), FieldPath.fromPointer(FieldPath.child(pointer, property)),
                    "missing required field \"" + property + "\"" + ("NetworkInterface".equals(document.kind()) && "ipAddress".equals(property)
                            ? "; run weft allocate --repo DIR --write to pick a free address and write it into the file" : ""));
            case "format" -> {
                String formatName = error.getSchemaNode() == null ? "" : error.getSchemaNode().asString();
                WeftFormat format = FORMATS.get(formatName);
                String expected = format == null ? formatName : format.expected();
                yield document.problem(pointer, quote(value) + " is not " + expected);
            }
            case "enum" -> document.problem(pointer, quote(value) + " is not one of " + enumValues(error.getSchemaNode()));
            case "type" -> document.problem(pointer, "expected " + typeOf(error) + ", found " + jsonType(value) + " " + quote(value));
            case "minimum", "maximum" -> document.problem(pointer, quote(value) + " is out of range: " + stripLocation(error));
            default -> document.problem(pointer, stripLocation(error));
        };
    }

    private static String typeOf(Error error) {
        JsonNode schema = error.getSchemaNode();
        if (schema == null) {
            return "another type";
        }
        if (schema.isArray()) {
            List<String> types = new ArrayList<>();
            schema.forEach(t -> types.add(article(t.asString())));
            return String.join(" or ", types);
        }
        return article(schema.asString());
    }

    private static String article(String type) {
        return switch (type) {
            case "object" -> "a mapping";
            case "array" -> "a list";
            case "integer" -> "an integer";
            default -> "a " + type;
        };
    }

    private static String jsonType(JsonNode value) {
        if (value == null) {
            return "nothing";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isIntegralNumber()) {
            return "an integer";
        }
        if (value.isNumber()) {
            return "a number";
        }
        if (value.isBoolean()) {
            return "a boolean";
        }
        if (value.isNull()) {
            return "null";
        }
        return "a string";
    }

    private static String quote(JsonNode value) {
        if (value == null) {
            return "value";
        }
        if (value.isString()) {
            return "\"" + value.asString() + "\"";
        }
        if (value.isContainer()) {
            return "";
        }
        return value.toString();
    }

    private static String enumValues(JsonNode schemaNode) {
        if (schemaNode == null || !schemaNode.isArray()) {
            return "the allowed values";
        }
        List<String> values = new ArrayList<>();
        schemaNode.forEach(v -> values.add(v.asString()));
        return String.join(", ", values);
    }

    private static String stripLocation(Error error) {
        String message = error.getMessage();
        String location = error.getInstanceLocation().toString();
        if (message.startsWith(location + ": ")) {
            return message.substring(location.length() + 2);
        }
        return message;
    }

    /** "(did you mean "ipAddress"?)" when an allowed field is a small edit away from the unknown one. */
    private String suggestion(Error error, String unknown) {
        List<String> allowed = allowedFields(error.getSchemaLocation());
        String best = allowed.stream()
                .min(Comparator.comparingInt(candidate -> editDistance(candidate.toLowerCase(), unknown.toLowerCase())))
                .orElse(null);
        if (best != null && editDistance(best.toLowerCase(), unknown.toLowerCase()) <= Math.max(2, unknown.length() / 4)) {
            return " (did you mean \"" + best + "\"?)";
        }
        return allowed.isEmpty() ? "" : " (allowed: " + String.join(", ", allowed) + ")";
    }

    private List<String> allowedFields(SchemaLocation location) {
        String uri = location.getAbsoluteIri() == null ? "" : location.getAbsoluteIri().toString();
        if (!uri.startsWith(SCHEMA_BASE)) {
            return List.of();
        }
        JsonNode tree = schemaTrees.computeIfAbsent(uri.substring(SCHEMA_BASE.length()), SchemaValidator::loadTree);
        String fragment = location.getFragment() == null ? "" : location.getFragment().toString();
        if (fragment.endsWith("/additionalProperties")) {
            fragment = fragment.substring(0, fragment.length() - "/additionalProperties".length());
        }
        JsonNode properties = tree.at(fragment + "/properties");
        return properties.isObject() ? properties.propertyNames().stream().sorted().collect(Collectors.toList()) : List.of();
    }

    private static JsonNode loadTree(String name) {
        try (InputStream in = SchemaValidator.class.getClassLoader().getResourceAsStream("schemas/" + name)) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing: schemas/" + name);
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}

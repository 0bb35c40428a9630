package dev.weft.manifest;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a manifest file of one or more YAML 1.2 documents (SnakeYAML Engine, so {@code no} stays a
 * string) into {@link Document}s, keeping the position of every node. Syntax errors and duplicate
 * keys become {@link Problem}s; a syntax error ends the file, since what follows it can't be trusted.
 */
public final class YamlReader {

    /** What one file yields: its documents and what was wrong with it. */
    public record Result(List<Document> documents, List<Problem> problems) {
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final FastCoreSchema SCHEMA = new FastCoreSchema();

    private YamlReader() {
    }

    /** The deepest nesting a manifest may have; deeper (or a recursive alias) is a problem, not a stack overflow. */
    static final int MAX_DEPTH = 64;
    /** The most nodes a document may expand to through aliases; more is a problem, not an out-of-memory. */
    static final long MAX_NODES = 1_000_000;

    /** Reads with the position of every node, so any problem can be located. */
    public static Result read(String file, String content) {
        return read(file, content, true);
    }

    /**
     * Reads a file; without {@code positions} it is faster and allocates far less (no position per node),
     * and problems are reported at line 1: callers read again with positions when there are any.
     */
    public static Result read(String file, String content, boolean positions) {
        List<Document> documents = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        LoadSettings settings = LoadSettings.builder().setLabel(file).setCodePointLimit(64 * 1024 * 1024)
                .setMaxAliasesForCollections(50).setAllowRecursiveKeys(false)
                .setSchema(SCHEMA).build();
        int index = 0;
        try {
            for (Node root : new Compose(settings).composeAllFromString(content)) {
                int documentIndex = index++;
                if (root instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
                    continue; // an empty document, e.g. after a trailing '---'
                }
                Converter converter = new Converter(file, problems, positions);
                JsonNode body = converter.convert(root, "");
                if (body instanceof ObjectNode object) {
                    documents.add(new Document(file, documentIndex, object, converter.positions == null ? Map.of() : converter.positions));
                } else {
                    problems.add(new Problem(converter.location(root.getStartMark()), "",
                            "a manifest must be a mapping with apiVersion, kind, metadata and spec, not a " + describe(root)));
                }
            }
        } catch (MarkedYamlEngineException e) {
            Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
            problems.add(new Problem(mark.map(m -> location(file, m)).orElse(new SourceLocation(file, 1, 1)), "",
                    "YAML syntax: " + firstLine(e.getProblem()) + contextOf(e)));
        } catch (YamlEngineException e) {
            problems.add(new Problem(new SourceLocation(file, 1, 1), "", "YAML: " + firstLine(e.getMessage())));
        } catch (StackOverflowError e) { // the parser itself recurses per level of nesting: a hostile file must not end the caller
            problems.add(new Problem(new SourceLocation(file, 1, 1), "", "YAML: nested too deeply for the parser (manifests nest at most "
                    + MAX_DEPTH + " levels)"));
        }
        return new Result(documents, problems);
    }

    private static String contextOf(MarkedYamlEngineException e) {
        String context = e.getContext();
        return context == null || context.isBlank() ? "" : " (" + firstLine(context) + ")";
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "invalid YAML";
        }
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).trim();
    }

    static SourceLocation location(String file, Mark mark) {
        return new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static String describe(Node node) {
        return switch (node) {
            case SequenceNode ignored -> "list";
            case ScalarNode ignored -> "scalar";
            default -> node.getNodeType().toString().toLowerCase();
        };
    }

    /** Converts one document, recording positions by JSON pointer and reporting duplicate keys. */
    private static final class Converter {
        private final String file;
        private final List<Problem> problems;
        private final Map<String, Document.Position> positions;
        private int depth;
        private long nodes;
        private boolean tooDeep;
        private boolean tooMany;

        Converter(String file, List<Problem> problems, boolean positions) {
            this.file = file;
            this.problems = problems;
            this.positions = positions ? new HashMap<>() : null;
        }

        SourceLocation location(Optional<Mark> mark) {
            return mark.map(m -> YamlReader.location(file, m)).orElse(new SourceLocation(file, 1, 1));
        }

        JsonNode convert(Node node, String pointer) {
            if (++nodes > MAX_NODES) {
                if (!tooMany) {
                    tooMany = true;
                    problems.add(new Problem(location(node.getStartMark()), pointer == null ? "" : FieldPath.fromPointer(pointer),
                            "the document expands to more than " + MAX_NODES + " nodes through aliases"));
                }
                return JSON.nullNode();
            }
            if (depth >= MAX_DEPTH) {
                if (!tooDeep) {
                    tooDeep = true;
                    problems.add(new Problem(location(node.getStartMark()), pointer == null ? "" : FieldPath.fromPointer(pointer),
                            "nested deeper than " + MAX_DEPTH + " levels (or an alias that contains itself)"));
                }
                return JSON.nullNode();
            }
            if (positions != null) {
                positions.putIfAbsent(pointer, new Document.Position(null, location(node.getStartMark())));
            }
            depth++;
            try {
                return switch (node) {
                    case MappingNode mapping -> mapping(mapping, pointer);
                    case SequenceNode sequence -> sequence(sequence, pointer);
                    case ScalarNode scalar -> scalar(scalar);
                    default -> JSON.nullNode();
                };
            } finally {
                depth--;
            }
        }

        private ObjectNode mapping(MappingNode mapping, String pointer) {
            ObjectNode object = JSON.objectNode();
            Map<String, SourceLocation> seen = positions == null ? null : new HashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                    problems.add(new Problem(location(tuple.getKeyNode().getStartMark()), FieldPath.fromPointer(pointer),
                            "keys must be plain strings, not a " + describe(tuple.getKeyNode())));
                    continue;
                }
                String key = keyNode.getValue();
                String child = positions == null ? null : FieldPath.child(pointer, key);
                if (positions == null) {
                    if (object.has(key)) {
                        problems.add(new Problem(new SourceLocation(file, 1, 1), key, "duplicate key"));
                        continue;
                    }
                } else {
                    SourceLocation keyLocation = location(keyNode.getStartMark());
                    SourceLocation first = seen.putIfAbsent(key, keyLocation);
                    if (first != null) {
                        problems.add(new Problem(keyLocation, FieldPath.fromPointer(child),
                                "duplicate key \"" + key + "\" (first defined at line " + first.line() + ")"));
                        continue;
                    }
                    positions.put(child, new Document.Position(keyLocation, location(tuple.getValueNode().getStartMark())));
                }
                object.set(key, convert(tuple.getValueNode(), child));
            }
            return object;
        }

        private ArrayNode sequence(SequenceNode sequence, String pointer) {
            ArrayNode array = JSON.arrayNode();
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                array.add(convert(items.get(i), positions == null ? null : FieldPath.child(pointer, i)));
            }
            return array;
        }

        private static JsonNode scalar(ScalarNode scalar) {
            String text = scalar.getValue();
            Tag tag = scalar.getTag();
            if (tag.equals(Tag.NULL)) {
                return JSON.nullNode();
            }
            if (tag.equals(Tag.BOOL)) {
                return JSON.booleanNode(text.equalsIgnoreCase("true"));
            }
            if (tag.equals(Tag.INT)) {
                BigInteger value = integer(text);
                if (value != null) {
                    return value.bitLength() < 63 ? JSON.numberNode(value.longValue()) : JSON.numberNode(value);
                }
            }
            if (tag.equals(Tag.FLOAT)) {
                try {
                    return JSON.numberNode(Double.parseDouble(text));
                } catch (NumberFormatException e) {
                    return JSON.stringNode(text); // .inf, .nan: kept as text, the schema rejects them
                }
            }
            return JSON.stringNode(text);
        }

        private static BigInteger integer(String text) {
            try {
                String digits = text.replace("_", "");
                boolean negative = digits.startsWith("-");
                if (negative || digits.startsWith("+")) {
                    digits = digits.substring(1);
                }
                BigInteger value;
                if (digits.startsWith("0x")) {
                    value = new BigInteger(digits.substring(2), 16);
                } else if (digits.startsWith("0o")) {
                    value = new BigInteger(digits.substring(2), 8);
                } else {
                    value = new BigInteger(digits);
                }
                return negative ? value.negate() : value;
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}

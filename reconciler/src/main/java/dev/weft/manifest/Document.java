package dev.weft.manifest;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One YAML document of a manifest file, converted to JSON for schema validation, with the source
 * position of every node kept by JSON pointer so any error can name its file, line and column.
 *
 * @param file      path of the file, relative to the repository root
 * @param index     0-based position of the document in its file
 * @param body      the document as JSON
 * @param positions JSON pointer to the position of the node's value, and of its key for mapping entries
 */
public record Document(String file, int index, ObjectNode body, Map<String, Position> positions) {

    /** Where a node was written: its key (for a mapping entry) and its value. */
    public record Position(SourceLocation key, SourceLocation value) {
    }

    public Document {
        positions = Map.copyOf(positions);
    }

    /** The string at a path of field names, e.g. {@code text("spec", "ipAddress")}; null if absent or not a string. */
    public String text(String... path) {
        JsonNode node = body;
        for (String field : path) {
            node = node.get(field);
            if (node == null) {
                return null;
            }
        }
        return node.isString() ? node.asString() : null;
    }

    public String apiVersion() {
        return text("apiVersion");
    }

    public String kind() {
        return text("kind");
    }

    public String name() {
        return text("metadata", "name");
    }

    /** The value at {@code pointer}, or the nearest enclosing node written in the file. */
    public SourceLocation valueAt(String pointer) {
        return find(pointer, false);
    }

    /** The key of the entry at {@code pointer} (where a field is named), or the nearest enclosing one. */
    public SourceLocation keyAt(String pointer) {
        return find(pointer, true);
    }

    private SourceLocation find(String pointer, boolean key) {
        String at = pointer;
        while (true) {
            Position position = positions.get(at);
            if (position != null) {
                return key && position.key() != null ? position.key() : position.value();
            }
            if (at.isEmpty()) {
                return new SourceLocation(file, 1, 1);
            }
            at = at.substring(0, at.lastIndexOf('/'));
        }
    }

    public Problem problem(String pointer, String message) {
        return new Problem(valueAt(pointer), FieldPath.fromPointer(pointer), message);
    }

    public Problem problemAtKey(String pointer, String message) {
        return new Problem(keyAt(pointer), FieldPath.fromPointer(pointer), message);
    }
}

package dev.weft.manifest;

import java.util.Comparator;

/**
 * One thing wrong with the manifests: where, which field (a path like {@code spec.subnets[1].addressPrefix},
 * empty when the problem is not about one field) and what.
 */
public record Problem(SourceLocation location, String field, String message) implements Comparable<Problem> {

    private static final Comparator<Problem> ORDER = Comparator.comparing(Problem::location)
            .thenComparing(Problem::field)
            .thenComparing(Problem::message);

    public Problem {
        field = field == null ? "" : field;
    }

    /** {@code file:line:col: error: field: message}, the format compilers and editors understand. */
    public String format() {
        return location + ": error: " + (field.isEmpty() ? "" : field + ": ") + message;
    }

    @Override
    public int compareTo(Problem other) {
        return ORDER.compare(this, other);
    }
}

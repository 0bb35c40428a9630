package dev.weft.contract;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Canonical JSON of a spec: keys sorted, no whitespace, integers as integers. The same spec always has
 * the same bytes, which is what makes digests comparable across reconciler and agents.
 * Values are strings, integers (Integer or Long), booleans, lists and string-keyed maps.
 */
public final class CanonicalJson {

    private CanonicalJson() {
    }

    public static String write(Object value) {
        StringBuilder out = new StringBuilder(128);
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case String s -> string(s, out);
            case Integer i -> out.append(i.intValue());
            case Long l -> out.append(l.longValue());
            case Boolean b -> out.append(b.booleanValue());
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : sorted(map).entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string((String) e.getKey(), out);
                    out.append(':');
                    write(e.getValue(), out);
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(list.get(i), out);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("not a spec value: " + value.getClass().getName());
        }
    }

    private static SortedMap<?, ?> sorted(Map<?, ?> map) {
        return map instanceof SortedMap<?, ?> sortedMap && sortedMap.comparator() == null ? sortedMap : new TreeMap<>(map);
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

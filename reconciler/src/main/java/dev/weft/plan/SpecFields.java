package dev.weft.plan;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Flattens a host object's spec to {@code path → value} for field-level diffs: nested maps become
 * {@code a.b}, lists of maps with a {@code name} (or {@code group}) become {@code subnets[web].prefix} or
 * {@code security.inbound[tenant-a/web-nsg].rules[allow-http].priority}, other lists one value.
 */
final class SpecFields {

    private SpecFields() {
    }

    /** The field that names the elements of a list of maps ({@code name}, else {@code group}), or null. */
    private static String keyOf(List<?> list) {
        for (String key : new String[] {"name", "group"}) {
            if (list.stream().allMatch(e -> e instanceof Map<?, ?> m && m.get(key) instanceof String)) {
                return key;
            }
        }
        return null;
    }

    static SortedMap<String, String> flatten(Map<String, Object> spec) {
        SortedMap<String, String> out = new TreeMap<>();
        spec.forEach((k, v) -> flatten(k, v, out));
        return out;
    }

    private static void flatten(String path, Object value, SortedMap<String, String> out) {
        if (value == null) {
            return; // an absent optional field (e.g. a rule without a probe)
        }
        switch (value) {
            case Map<?, ?> map -> map.forEach((k, v) -> flatten(path + "." + k, v, out));
            case List<?> list when !list.isEmpty() && keyOf(list) != null -> {
                String key = keyOf(list);
                for (Object element : list) {
                    Map<?, ?> map = (Map<?, ?>) element;
                    String prefix = path + "[" + map.get(key) + "]";
                    map.forEach((k, v) -> {
                        if (!key.equals(k)) {
                            flatten(prefix + "." + k, v, out);
                        }
                    });
                }
            }
            default -> out.put(path, String.valueOf(value));
        }
    }
}

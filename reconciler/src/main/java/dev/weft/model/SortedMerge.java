package dev.weft.model;

import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;

/** Walks two sorted maps once, in key order: the one diff loop behind model diffs and host-object diffs. */
public final class SortedMerge {

    /** Called for each key of either map, with the value on each side (null where absent). */
    public interface Visitor<K, V> {
        void each(K key, V before, V after);
    }

    private SortedMerge() {
    }

    public static <K extends Comparable<K>, V> void merge(SortedMap<K, V> before, SortedMap<K, V> after, Visitor<K, V> visitor) {
        Iterator<Map.Entry<K, V>> a = before.entrySet().iterator();
        Iterator<Map.Entry<K, V>> b = after.entrySet().iterator();
        Map.Entry<K, V> x = a.hasNext() ? a.next() : null;
        Map.Entry<K, V> y = b.hasNext() ? b.next() : null;
        while (x != null || y != null) {
            // revisions share key objects, so identity settles most comparisons
            int order = x == null ? 1 : y == null ? -1 : x.getKey() == y.getKey() ? 0 : x.getKey().compareTo(y.getKey());
            visitor.each(order <= 0 ? x.getKey() : y.getKey(), order <= 0 ? x.getValue() : null, order >= 0 ? y.getValue() : null);
            if (order <= 0) {
                x = a.hasNext() ? a.next() : null;
            }
            if (order >= 0) {
                y = b.hasNext() ? b.next() : null;
            }
        }
    }
}

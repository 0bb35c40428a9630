package dev.weft.fastpath.lb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime number of slots, each
 * naming a backend, filled by letting the backends take turns claiming their next preferred slot. Each backend's
 * preference list is a permutation of the slots given by an offset and a skip derived from its name, so the
 * table depends only on the set of names (they take turns in name order): every host builds the same one, and removing one of N backends
 * moves about 1/N of the slots (its own, and a few more), so other backends' flows stay where they are.
 * Immutable once built; lookups need no locks.
 */
public final class Maglev {

    /** The default table size: a prime well above 100 × the backends a pool is expected to have. */
    public static final int DEFAULT_SIZE = 65537;

    private final int[] slots;
    private final List<String> backends;

    private Maglev(int[] slots, List<String> backends) {
        this.slots = slots;
        this.backends = backends;
    }

    /** The table for {@code backends} (stable names, no duplicates) of {@link #DEFAULT_SIZE} slots. */
    public static Maglev of(List<String> backends) {
        return of(backends, DEFAULT_SIZE);
    }

    /** The tables built last, by what they depend on alone: a publish or a trace that keeps a pool's backends builds nothing. */
    private static final int RECENT_TABLES = 128;
    private static final Map<Key, Maglev> RECENT = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Maglev> eldest) {
            return size() > RECENT_TABLES;
        }
    };

    private record Key(List<String> names, int size) {
    }

    /**
     * The table for {@code backends} of {@code size} slots ({@code size} prime, more than the backends): one of the
     * {@value #RECENT_TABLES} built last for the same names and size (a table is immutable), else a new one.
     */
    public static Maglev of(List<String> backends, int size) {
        Key key = new Key(backends.stream().sorted().toList(), size); // turns in name order: the same table whatever order they come in
        synchronized (RECENT) {
            Maglev table = RECENT.get(key);
            if (table != null) {
                return table;
            }
        }
        Maglev table = build(key.names, size);
        synchronized (RECENT) {
            RECENT.put(key, table);
        }
        return table;
    }

    /** Builds the table for {@code names} (sorted) of {@code size} slots, every time: {@link #of} without its memory. */
    public static Maglev build(List<String> names, int size) {
        int n = names.size();
        int[] slots = new int[size];
        if (n == 0) {
            Arrays.fill(slots, -1);
            return new Maglev(slots, names);
        }
        if (size <= n) {
            throw new IllegalArgumentException("a table of " + size + " slots for " + n + " backends");
        }
        long[] offset = new long[n];
        long[] skip = new long[n];
        for (int b = 0; b < n; b++) {
            byte[] name = names.get(b).getBytes(StandardCharsets.UTF_8);
            offset[b] = Long.remainderUnsigned(hash(name, 0x9E3779B97F4A7C15L), size);
            skip[b] = Long.remainderUnsigned(hash(name, 0xC2B2AE3D27D4EB4FL), size - 1) + 1;
        }
        Arrays.fill(slots, -1);
        long[] next = new long[n]; // each backend's position in its own preference list
        int filled = 0;
        while (true) {
            for (int b = 0; b < n; b++) {
                int slot = (int) ((offset[b] + next[b] * skip[b]) % size);
                while (slots[slot] >= 0) {
                    next[b]++;
                    slot = (int) ((offset[b] + next[b] * skip[b]) % size);
                }
                slots[slot] = b;
                next[b]++;
                if (++filled == size) {
                    return new Maglev(slots, names);
                }
            }
        }
    }

    /** 64-bit FNV-1a of {@code data} from {@code seed}, finished with a mixer so nearby names spread. */
    static long hash(byte[] data, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte x : data) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    /** The backend (an index of {@link #backends()}) for a flow of hash {@code flowHash}, or -1 when there is none. */
    public int lookup(int flowHash) {
        return slots[Integer.remainderUnsigned(flowHash, slots.length)];
    }

    /** The backends, sorted by name: the order the table's indexes refer to. */
    public List<String> backends() {
        return backends;
    }

    public int size() {
        return slots.length;
    }

    /** The backend of slot {@code slot}. */
    public int slot(int slot) {
        return slots[slot];
    }
}

package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.lb.Maglev;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Maglev tables: every backend gets its share, one backend's removal moves about 1/N of the slots, lookups equal a reference. */
class MaglevProperties {

    static final int SIZE = 4099; // prime

    private static List<String> names(int n, int salt) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            names.add("tenant-" + salt + "/web-" + k);
        }
        return names;
    }

    @Property(tries = 60)
    void removingOneOfNBackendsMovesAboutOneNthOfTheSlots(@ForAll @IntRange(min = 2, max = 40) int n, @ForAll @IntRange(min = 0, max = 1000) int salt,
                                                          @ForAll @IntRange(min = 0, max = 39) int gone) {
        List<String> all = names(n, salt);
        Maglev before = Maglev.of(all, SIZE);
        int[] share = new int[n];
        for (int s = 0; s < SIZE; s++) {
            share[before.slot(s)]++;
        }
        // the removed backend's own slots must move; of the others, few: on average a few percent (below), and even in a rare
        // unlucky configuration far fewer than hashing modulo N would move (most of them). The worst of some 98,000 configurations
        // sampled over this property's range moved 0.209 of the slots (5 backends, salt 970); a bound of 0.07 here failed
        // once in about 1,700 configurations.
        assertThat(movedShare(all, gone % n)).isLessThanOrEqualTo(0.30);
        for (int count : share) {
            assertThat(count).isBetween(SIZE / n - SIZE / n / 4 - 2, SIZE / n + SIZE / n / 4 + 2); // near-equal shares
        }
    }

    @org.junit.jupiter.api.Test
    void onAverageRemovingABackendMovesAFewPercentOfTheOtherBackendsSlots() {
        for (int n : new int[] {3, 5, 10, 20, 40}) {
            double sum = 0;
            for (int salt = 0; salt < 100; salt++) {
                sum += movedShare(names(n, salt), salt % n);
            }
            assertThat(sum / 100).as("mean share of slots moved between the remaining %d backends", n - 1).isLessThanOrEqualTo(0.03);
        }
    }

    /** The share of the table's slots that go from one remaining backend to another when backend {@code gone} is removed. */
    private static double movedShare(List<String> all, int gone) {
        List<String> fewer = new ArrayList<>(all);
        String removed = fewer.remove(gone);
        Maglev before = Maglev.of(all, SIZE);
        Maglev after = Maglev.of(fewer, SIZE);
        int moved = 0;
        for (int s = 0; s < SIZE; s++) {
            String was = before.backends().get(before.slot(s));
            if (!was.equals(removed) && !was.equals(after.backends().get(after.slot(s)))) {
                moved++;
            }
        }
        return (double) moved / SIZE;
    }

    @Property(tries = 60)
    void lookupsEqualAReferenceImplementation(@ForAll @IntRange(min = 1, max = 30) int n, @ForAll @IntRange(min = 0, max = 1000) int salt,
                                             @ForAll int flowHash) {
        List<String> names = names(n, salt);
        Maglev table = Maglev.of(names, SIZE);
        List<String> sorted = names.stream().sorted().toList();
        int[] reference = reference(sorted, SIZE);
        assertThat(table.backends().get(table.lookup(flowHash))).isEqualTo(sorted.get(reference[Integer.remainderUnsigned(flowHash, SIZE)]));
        for (int s = 0; s < SIZE; s += 97) {
            assertThat(table.backends().get(table.slot(s))).isEqualTo(sorted.get(reference[s]));
        }
    }

    @Property(tries = 20)
    void theTableDependsOnlyOnTheSetOfNames(@ForAll @IntRange(min = 1, max = 20) int n, @ForAll @IntRange(min = 0, max = 1000) int salt) {
        List<String> names = names(n, salt);
        List<String> reversed = new ArrayList<>(names.reversed());
        Maglev a = Maglev.of(names, SIZE);
        Maglev b = Maglev.build(reversed.stream().sorted().toList(), SIZE); // built again, not the one kept
        for (int s = 0; s < SIZE; s++) {
            assertThat(a.backends().get(a.slot(s))).isEqualTo(b.backends().get(b.slot(s)));
        }
        assertThat(Maglev.of(reversed, SIZE)).as("the same set of names: the table built before").isSameAs(a);
        assertThat(Maglev.of(names.subList(0, n - 1), SIZE)).as("one name fewer: another table").isNotSameAs(a);
    }

    /** The paper's pseudocode (backends taking turns in the order given), written out plainly (its own hash functions: FNV-1a with a murmur finisher, two seeds). */
    static int[] reference(List<String> names, int m) {
        int n = names.size();
        int[][] permutation = new int[n][m];
        for (int i = 0; i < n; i++) {
            byte[] name = names.get(i).getBytes(StandardCharsets.UTF_8);
            long offset = Long.remainderUnsigned(fnv(name, 0x9E3779B97F4A7C15L), m);
            long skip = Long.remainderUnsigned(fnv(name, 0xC2B2AE3D27D4EB4FL), m - 1) + 1;
            for (int j = 0; j < m; j++) {
                permutation[i][j] = (int) ((offset + (long) j * skip) % m);
            }
        }
        int[] next = new int[n];
        int[] entry = new int[m];
        java.util.Arrays.fill(entry, -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                int c = permutation[i][next[i]];
                while (entry[c] >= 0) {
                    next[i]++;
                    c = permutation[i][next[i]];
                }
                entry[c] = i;
                next[i]++;
                filled++;
                if (filled == m) {
                    return entry;
                }
            }
        }
    }

    private static long fnv(byte[] data, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte x : data) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}

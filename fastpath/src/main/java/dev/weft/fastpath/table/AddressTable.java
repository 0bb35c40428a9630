package dev.weft.fastpath.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * (VNI, IPv4) → int, in an off-heap open-addressing hash table with linear probing. Built once and then
 * only read, so lookups need no locks. Key 0 marks an empty slot (VNI 0 is never used).
 */
public final class AddressTable implements AutoCloseable {

    private static final long SLOT = 16; // key (8 bytes), value (4), padding (4)

    /** Freed by the garbage collector once no worker holds the tables any more: snapshots are swapped, never closed under a reader. */
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment slots;
    private final long mask;
    private int size;

    public AddressTable(int expected) {
        long capacity = Long.highestOneBit(Math.max(16, expected * 2L - 1)) << 1;
        this.slots = arena.allocate(capacity * SLOT, 64);
        this.mask = capacity - 1;
    }

    public static long key(int vni, int ip) {
        return ((long) vni << 32) | (ip & 0xffff_ffffL);
    }

    private static long spread(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    /** Adds or replaces; returns false when the table is full. */
    public boolean put(int vni, int ip, int value) {
        long key = key(vni, ip);
        for (long n = 0, slot = spread(key) & mask; n <= mask; n++, slot = (slot + 1) & mask) {
            long at = slot * SLOT;
            long existing = slots.get(ValueLayout.JAVA_LONG, at);
            if (existing == 0 || existing == key) {
                if (existing == 0) {
                    size++;
                }
                slots.set(ValueLayout.JAVA_LONG, at, key);
                slots.set(ValueLayout.JAVA_INT, at + 8, value);
                return true;
            }
        }
        return false;
    }

    /** The value for (vni, ip), or -1. */
    public int get(int vni, int ip) {
        long key = key(vni, ip);
        for (long slot = spread(key) & mask; ; slot = (slot + 1) & mask) {
            long at = slot * SLOT;
            long existing = slots.get(ValueLayout.JAVA_LONG, at);
            if (existing == key) {
                return slots.get(ValueLayout.JAVA_INT, at + 8);
            }
            if (existing == 0) {
                return -1;
            }
        }
    }

    public int size() {
        return size;
    }

    @Override
    public void close() {
        // memory is released with the table; see arena
    }
}

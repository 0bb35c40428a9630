package dev.weft.fastpath.vhost;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A guest's memory as a vhost-user frontend shares it: regions, each with its guest-physical address, the frontend's own
 * (user-space) address for it, and the mapping of it in this process. Descriptors name guest-physical addresses, ring
 * addresses are the frontend's user-space ones; both translate here, and only a range inside one region translates: anything
 * else is {@code null}, never a read of memory that isn't the guest's.
 */
public final class GuestMemory {

    /** One region: {@code size} bytes at guest-physical {@code guestAddress} and user-space {@code userAddress}, mapped as {@code mapping}. */
    public record Region(long guestAddress, long userAddress, long size, MemorySegment mapping) {
        public Region {
            if (size <= 0 || mapping.byteSize() < size) {
                throw new IllegalArgumentException("region of " + size + " bytes with a mapping of " + mapping.byteSize());
            }
        }
    }

    private final Region[] regions;

    public GuestMemory(List<Region> regions) {
        this.regions = regions.toArray(Region[]::new);
    }

    /** The {@code length} bytes at guest-physical {@code address}, or null when they aren't all inside one region. */
    public MemorySegment guest(long address, long length) {
        for (Region r : regions) {
            if (inside(address, length, r.guestAddress(), r.size())) {
                return r.mapping().asSlice(address - r.guestAddress(), length);
            }
        }
        return null;
    }

    /** The {@code length} bytes at the frontend's user-space {@code address}, or null when they aren't all inside one region. */
    public MemorySegment user(long address, long length) {
        for (Region r : regions) {
            if (inside(address, length, r.userAddress(), r.size())) {
                return r.mapping().asSlice(address - r.userAddress(), length);
            }
        }
        return null;
    }

    /** Whether [address, address + length) lies in [start, start + size), without overflow. */
    private static boolean inside(long address, long length, long start, long size) {
        return length >= 0 && Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address - start, size) <= 0
                && Long.compareUnsigned(length, size - (address - start)) <= 0;
    }
}

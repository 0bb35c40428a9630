package dev.weft.fastpath.vhost;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A split virtqueue (virtio 1.x, section 2.7) read and written in place in a guest's memory: the descriptor table, the
 * available ring the guest fills and the used ring it reads back. Everything the guest wrote is distrusted: a head or a
 * {@code next} outside the table, a chain longer than the table (a loop), a buffer outside the guest's memory, an indirect
 * descriptor (not offered), or an available index more than a ring ahead is an error the caller counts, and the chain
 * is returned used with length 0; nothing the guest writes makes this read or write outside its memory; a guest's
 * {@code used_event} or flags decide only whether it is called. One worker's.
 */
public final class SplitQueue {

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static final int F_NEXT = 1;
    public static final int F_WRITE = 2;
    public static final int F_INDIRECT = 4;

    /** What {@link #next} found. */
    public static final int EMPTY = -1;
    public static final int BAD_HEAD = -2;
    public static final int BAD_CHAIN = -3;
    public static final int RING_OVERFLOW = -4;

    /** The most buffers one chain may have (a frame with a virtio-net header needs few). */
    public static final int MAX_CHAIN = 64;

    private final GuestMemory memory;
    private final int size;
    private final MemorySegment descriptors;
    private final MemorySegment available;
    private final MemorySegment used;
    private int nextAvailable;
    private int nextUsed;
    private boolean eventIndex;
    /** What the device last said about kicks: {@link #KICKS_ON}, {@link #KICKS_OFF}, or nothing yet (0). */
    private byte kicking;
    private static final byte KICKS_ON = 1, KICKS_OFF = 2;
    /** The used index at the last {@link #callDue} that found buffers published, and whether there was one since the queue (re)started. */
    private int lastLook;
    private boolean called;
    public long errors;

    /**
     * @param size       entries, a power of two up to 32768
     * @param descriptors {@code 16 × size} bytes, {@code available} {@code 6 + 2 × size}, {@code used} {@code 6 + 8 × size}, all in guest memory
     */
    public SplitQueue(GuestMemory memory, int size, MemorySegment descriptors, MemorySegment available, MemorySegment used) {
        if (size <= 0 || size > 32768 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue size must be a power of two up to 32768: " + size);
        }
        if (descriptors.byteSize() < 16L * size || available.byteSize() < 6L + 2L * size || used.byteSize() < 6L + 8L * size) {
            throw new IllegalArgumentException("rings too small for " + size + " entries");
        }
        this.memory = memory;
        this.size = size;
        this.descriptors = descriptors;
        this.available = available;
        this.used = used;
    }

    /** A chain of guest buffers: each buffer's memory and whether the device may write it. */
    public static final class Chain {
        public final MemorySegment[] buffers = new MemorySegment[MAX_CHAIN];
        public final boolean[] writable = new boolean[MAX_CHAIN];
        public int count;
        public int head;

        /** The bytes of its buffers the device may write ({@code writable}) or read. */
        public long bytes(boolean writable) {
            long bytes = 0;
            for (int k = 0; k < count; k++) {
                bytes += this.writable[k] == writable ? buffers[k].byteSize() : 0;
            }
            return bytes;
        }
    }

    /** Where to resume: the next available entry (as after a restart, from SET_VRING_BASE). */
    public void base(int index) {
        nextAvailable = index & 0xffff;
        nextUsed = index & 0xffff;
        lastLook = nextUsed;
        called = false;
        kicking = 0;
    }

    public int nextAvailable() {
        return nextAvailable;
    }

    /**
     * The next chain the guest made available, into {@code chain}: its head (0 or more), {@link #EMPTY}, or an error
     * ({@link #BAD_HEAD}, {@link #BAD_CHAIN}, {@link #RING_OVERFLOW}, counted). A bad chain with a valid head has already
     * been returned to the guest, used with length 0.
     */
    public int next(Chain chain) {
        VarHandle.acquireFence();
        int availableIndex = Short.toUnsignedInt(available.get(U16, 2));
        int pending = (availableIndex - nextAvailable) & 0xffff;
        if (pending == 0) {
            return EMPTY;
        }
        VarHandle.acquireFence(); // the ring entry after the index that published it
        if (pending > size) {
            errors++;
            return RING_OVERFLOW;
        }
        int head = Short.toUnsignedInt(available.get(U16, 4 + 2L * (nextAvailable & (size - 1))));
        nextAvailable = (nextAvailable + 1) & 0xffff;
        if (head >= size) {
            errors++;
            return BAD_HEAD;
        }
        chain.head = head;
        chain.count = 0;
        int d = head;
        for (int n = 0; ; n++) {
            if (n == size || chain.count == MAX_CHAIN) { // longer than the table: a loop
                return bad(head);
            }
            long at = 16L * d;
            long address = descriptors.get(U64, at);
            int length = descriptors.get(U32, at + 8);
            int flags = Short.toUnsignedInt(descriptors.get(U16, at + 12));
            int next = Short.toUnsignedInt(descriptors.get(U16, at + 14));
            if ((flags & F_INDIRECT) != 0) {
                return bad(head);
            }
            MemorySegment buffer = memory.guest(address, Integer.toUnsignedLong(length));
            if (buffer == null) {
                return bad(head);
            }
            chain.buffers[chain.count] = buffer;
            chain.writable[chain.count] = (flags & F_WRITE) != 0;
            chain.count++;
            if ((flags & F_NEXT) == 0) {
                return head;
            }
            if (next >= size) {
                return bad(head);
            }
            d = next;
        }
    }

    private int bad(int head) {
        errors++;
        put(head, 0);
        return BAD_CHAIN;
    }

    /**
     * Whether the guest should kick when it makes buffers available. Without event indices: {@code VRING_USED_F_NO_NOTIFY}
     * cleared, or set while the device polls the queue anyway. With them ({@link #eventIndex}): wanted writes the next
     * available index into {@code avail_event}, so the guest kicks once, for the first buffer it makes available from now
     * on; not wanted leaves it, and a guest that has passed it doesn't kick again (until its index comes round, 65,536
     * buffers later). After turning kicks on, look again with {@link #pending}: the guest may have made buffers available
     * without a kick just before.
     */
    public void kicks(boolean wanted) {
        kicking = wanted ? KICKS_ON : KICKS_OFF;
        if (!eventIndex) {
            used.set(U16, 0, (short) (wanted ? 0 : 1));
        } else if (wanted) {
            used.set(U16, 4 + 8L * size, (short) nextAvailable);
        }
        VarHandle.fullFence(); // the flag or index before the next look at the available index
    }

    /**
     * Whether the device last asked for kicks ({@link #kicks}), or last said not to ({@link #kicksOff}). Neither for a queue
     * just set up or moved to a new base, whose flag or {@code avail_event} may be left from an earlier connection.
     */
    public boolean kicksOn() {
        return kicking == KICKS_ON;
    }

    /** Whether the device last said not to kick; see {@link #kicksOn}. */
    public boolean kicksOff() {
        return kicking == KICKS_OFF;
    }

    /** Whether the guest has made buffers available that {@link #next} hasn't taken. */
    public boolean pending() {
        VarHandle.acquireFence();
        return Short.toUnsignedInt(available.get(U16, 2)) != nextAvailable;
    }

    /**
     * With VIRTIO_RING_F_EVENT_IDX negotiated the guest says with indices rather than flags when it wants a kick or a call
     * ({@code avail_event} at the end of the used ring, {@code used_event} at the end of the available ring; virtio 1.x
     * section 2.7.10). Set by the control thread while no worker uses the queue.
     */
    public void eventIndex(boolean on) {
        eventIndex = on;
        called = false;
    }

    /**
     * Whether the guest is due a call about the used buffers published since the last time this was asked (it records
     * this look): without event indices when some were and the guest hasn't set {@code VRING_AVAIL_F_NO_INTERRUPT} (a
     * polling driver does); with them when the used index has passed the guest's {@code used_event} since the last look —
     * a guest asks for one call at the point it will wait, not one per batch. Call it after {@link #put} or
     * {@link #publish}: the full fence orders the used index written there before this read of the flag or event, as the
     * guest orders writing them before its last look at the used index — without it a store buffer can let both sides
     * miss each other, and the guest waits for a call that never comes.
     */
    public boolean callDue() {
        int last = lastLook;
        if (nextUsed == last) {
            return false; // nothing published since
        }
        VarHandle.fullFence();
        boolean first = !called; // the first call since the queue (re)started goes whatever used_event says, as QEMU's
        lastLook = nextUsed;
        called = true;
        if (eventIndex) {
            int event = Short.toUnsignedInt(available.get(U16, 4 + 2L * size));
            return first || ((nextUsed - event - 1) & 0xffff) < ((nextUsed - last) & 0xffff);
        }
        return (available.get(U16, 0) & 1) == 0;
    }

    /** Returns chain {@code head} to the guest with {@code length} bytes written into it, and publishes it. */
    public void put(int head, int length) {
        add(head, length);
        publish();
    }

    /** Returns chain {@code head} to the guest with {@code length} bytes written into it, seen by the guest at {@link #publish}. */
    public void add(int head, int length) {
        long at = 4 + 8L * (nextUsed & (size - 1));
        used.set(U32, at, head);
        used.set(U32, at + 4, length);
        nextUsed = (nextUsed + 1) & 0xffff;
    }

    /** Publishes the chains {@link #add} returned: the guest sees them all at once. */
    public void publish() {
        VarHandle.releaseFence(); // the entries before the index that publishes them
        used.set(U16, 2, (short) nextUsed);
    }

    /**
     * Gives back the chains taken since {@link #nextAvailable} was {@code index} and not yet returned: {@link #next} finds
     * them again. For a device that took buffers for a frame that turned out not to fit.
     */
    public void rewind(int index) {
        nextAvailable = index & 0xffff;
    }

    /** Copies the readable buffers of {@code chain} from byte {@code skip} on into {@code to}; returns the bytes copied (at most {@code to}'s size). */
    public static int read(Chain chain, long skip, MemorySegment to) {
        long copied = 0;
        for (int k = 0; k < chain.count && copied < to.byteSize(); k++) {
            if (chain.writable[k]) {
                continue;
            }
            MemorySegment b = chain.buffers[k];
            if (skip >= b.byteSize()) {
                skip -= b.byteSize();
                continue;
            }
            long n = Math.min(b.byteSize() - skip, to.byteSize() - copied);
            MemorySegment.copy(b, skip, to, copied, n);
            copied += n;
            skip = 0;
        }
        return (int) copied;
    }

    /**
     * The readable bytes {@code [skip, skip + n)} of {@code chain} where they are, when they lie in one of its buffers; null
     * when they span two or go past its end.
     */
    public static MemorySegment slice(Chain chain, long skip, long n) {
        for (int k = 0; k < chain.count; k++) {
            if (chain.writable[k]) {
                continue;
            }
            long size = chain.buffers[k].byteSize();
            if (skip < size) {
                return skip + n <= size ? chain.buffers[k].asSlice(skip, n) : null;
            }
            skip -= size;
        }
        return null;
    }

    /**
     * Writes a stream of bytes into the writable buffers of chains taken one after another: a frame into one chain, or one
     * spread over several mergeable receive buffers. Keeps what each chain got, for {@link #add}.
     */
    public static final class Filler {
        private final Chain[] chains;
        private final int[] filled;
        private int count;
        private int chain;
        private int buffer;
        private long offset;

        public Filler(Chain[] chains) {
            this.chains = chains;
            this.filled = new int[chains.length];
        }

        /** Starts at the first buffer of the first of {@code count} chains, nothing written. */
        public void start(int count) {
            this.count = count;
            java.util.Arrays.fill(filled, 0, count, 0);
            chain = 0;
            buffer = 0;
            offset = 0;
        }

        /** Copies {@code length} bytes of {@code from} at {@code at} where the last copy ended; returns the bytes written (fewer when the chains end). */
        public long copy(MemorySegment from, long at, long length) {
            long written = 0;
            while (written < length && chain < count) {
                Chain c = chains[chain];
                if (buffer == c.count) {
                    chain++;
                    buffer = 0;
                    offset = 0;
                    continue;
                }
                MemorySegment b = c.buffers[buffer];
                long n = c.writable[buffer] ? Math.min(b.byteSize() - offset, length - written) : 0;
                MemorySegment.copy(from, at + written, b, offset, n);
                filled[chain] += (int) n;
                written += n;
                offset += n;
                if (offset == b.byteSize() || !c.writable[buffer]) {
                    buffer++;
                    offset = 0;
                }
            }
            return written;
        }

        /** The bytes written into chain {@code k} since {@link #start}. */
        public int filled(int k) {
            return filled[k];
        }
    }
}

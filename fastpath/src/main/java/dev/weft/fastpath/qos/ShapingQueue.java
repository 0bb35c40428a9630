package dev.weft.fastpath.qos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Frames for one VM over its inbound limit, waiting their turn: a FIFO ring of frame slots off-heap, bounded by the meter's
 * {@link Meter#queueBytes()} (a frame that doesn't fit is dropped and counted: TCP sees the loss a full router queue gives
 * it and backs off). Each slot keeps {@link #HEADROOM} bytes in front of the frame for a device header. Used by one worker at a time.
 */
public final class ShapingQueue implements AutoCloseable {

    public static final int HEADROOM = 16;
    static final int SLOTS = 1024;
    static final int SLOT = 2048;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots = arena.allocate((long) SLOTS * SLOT, 64);
    private final int[] length = new int[SLOTS];
    private int head;
    private int count;
    private long bytes;

    public boolean isEmpty() {
        return count == 0;
    }

    /** Appends a copy of the frame at {@code memory[start, start + length)} unless that would pass {@code limitBytes}; false when it doesn't fit. */
    public boolean offer(MemorySegment memory, long start, int frameLength, long limitBytes) {
        if (count == SLOTS || frameLength > SLOT - HEADROOM || bytes + frameLength > limitBytes) {
            return false;
        }
        int tail = (head + count) % SLOTS;
        MemorySegment.copy(memory, start, slots, (long) tail * SLOT + HEADROOM, frameLength);
        length[tail] = frameLength;
        count++;
        bytes += frameLength;
        return true;
    }

    /** The slot of the oldest frame (the frame starts {@link #HEADROOM} bytes in). */
    public MemorySegment headSlot() {
        return slots.asSlice((long) head * SLOT, SLOT);
    }

    public int headLength() {
        return length[head];
    }

    public void remove() {
        bytes -= length[head];
        head = (head + 1) % SLOTS;
        count--;
    }

    public int size() {
        return count;
    }

    @Override
    public void close() {
        arena.close();
    }
}

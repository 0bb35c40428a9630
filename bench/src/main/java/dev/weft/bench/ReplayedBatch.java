package dev.weft.bench;

import dev.weft.fastpath.packet.PacketBatch;
import java.lang.foreign.MemorySegment;

/**
 * A batch of frames a benchmark runs through the pipeline again and again: paths that rewrite headers in place
 * (NAT, load balancing) get the first {@link #HEADERS} bytes of every frame, its start and its length back before
 * each run, so every run sees the frames as the VM sent them.
 */
final class ReplayedBatch implements AutoCloseable {

    static final int HEADERS = 64;

    final PacketBatch batch = new PacketBatch();
    private final int[] start = new int[PacketBatch.CAPACITY];
    private final int[] length = new int[PacketBatch.CAPACITY];
    private final MemorySegment headers = MemorySegment.ofArray(new byte[PacketBatch.CAPACITY * HEADERS]);

    /** Adds a frame from port 0 and remembers it as it is now. */
    void add(byte[] frame) {
        int i = batch.add(frame, 0);
        start[i] = batch.start[i];
        length[i] = batch.length[i];
        MemorySegment.copy(batch.memory(), start[i], headers, (long) i * HEADERS, HEADERS);
    }

    /** The frames as they were added. */
    PacketBatch reset() {
        System.arraycopy(start, 0, batch.start, 0, batch.count());
        System.arraycopy(length, 0, batch.length, 0, batch.count());
        for (int i = 0; i < batch.count(); i++) {
            MemorySegment.copy(headers, (long) i * HEADERS, batch.memory(), start[i], HEADERS);
        }
        return batch;
    }

    @Override
    public void close() {
        batch.close();
    }
}

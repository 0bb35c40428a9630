package dev.weft.bench;

import dev.weft.fastpath.io.Segmenter;
import dev.weft.fastpath.packet.PacketBatch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a worker does with a 64 kB TCP frame a VM hands over with segmentation offload (64,000 bytes of payload, MSS 1448,
 * read into a buffer as from a TAP device). {@code copiedWithChecksums}: {@code Segmenter.add} cuts it into 45 segments,
 * each segment's payload copied into its batch slot and its TCP checksum computed, as before split frames, pending
 * checksums and GSO frames (the baseline); {@code cutLateWithChecksums}: it becomes one GSO frame, cut later into 45 split
 * segments ({@code PacketBatch.cut}, the payload left where it was read) whose checksums are computed, as for a VM
 * without TSO or VXLAN without the tunnel device; {@code gsoFrameWhole}: one GSO frame and nothing more, as for one that
 * leaves whole (to a VM with TSO, through the tunnel device, out of the uplink). Score: ns per 64 kB frame.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SegmenterBenchmark {

    static final int PAYLOAD = 64_000;

    Arena arena;
    MemorySegment frame;
    int length;
    PacketBatch batch;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] segment = VhostTraffic.tcpSegment();
        for (int k = 54; k < segment.length; k++) {
            segment[k] = (byte) (k * 31);
        }
        byte[] header = VhostTraffic.gsoHeader();
        arena = Arena.ofShared();
        length = header.length + segment.length;
        frame = arena.allocate(length, 64);
        MemorySegment.copy(MemorySegment.ofArray(header), 0, frame, 0, header.length);
        MemorySegment.copy(MemorySegment.ofArray(segment), 0, frame, header.length, segment.length);
        batch = new PacketBatch();
        if (Segmenter.add(frame, length, false, batch, 0) != 45 || cutLateWithChecksums() != 45 || gsoFrameWhole() != 1) {
            throw new IllegalStateException("the frame should become 45 segments, or one GSO frame of 45");
        }
        batch.clear();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.close();
        arena.close();
    }

    @Benchmark
    public int copiedWithChecksums() {
        batch.clear();
        int added = Segmenter.add(frame, length, false, batch, 0);
        for (int i = 0; i < added; i++) {
            batch.completeChecksum(i);
        }
        return added;
    }

    @Benchmark
    public int cutLateWithChecksums() {
        batch.clear();
        Segmenter.add(frame, length, true, batch, 0);
        int segments = batch.segments(0);
        int first = batch.cut(0, 0);
        for (int i = first; i < first + segments; i++) {
            batch.completeChecksum(i);
        }
        return segments;
    }

    @Benchmark
    public int gsoFrameWhole() {
        batch.clear();
        return Segmenter.add(frame, length, true, batch, 0);
    }
}

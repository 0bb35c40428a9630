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
 * read into a buffer as from a TAP device): {@code Segmenter.add} cuts it into 45 segments with their own headers.
 * {@code copiedWithChecksums}: each segment's payload copied into its batch slot and its TCP checksum computed, as before
 * split frames and pending checksums (the baseline); {@code referredWithChecksums}: the payload left where it was read
 * and every checksum computed, as for segments that leave by the underlay; {@code referredToVm}: the payload left where it
 * was read and no checksum computed, as for a run that reaches a VM with segmentation offload. Score: ns per 64 kB frame.
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
        if (Segmenter.add(frame, length, true, batch, 0) != 45 || Segmenter.add(frame, length, false, batch, 0) != 45) {
            throw new IllegalStateException("the frame should become 45 segments");
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
        return cut(false, true);
    }

    @Benchmark
    public int referredWithChecksums() {
        return cut(true, true);
    }

    @Benchmark
    public int referredToVm() {
        return cut(true, false);
    }

    private int cut(boolean refer, boolean checksums) {
        batch.clear();
        int added = Segmenter.add(frame, length, refer, batch, 0);
        for (int i = 0; checksums && i < added; i++) {
            batch.completeChecksum(i);
        }
        return added;
    }
}

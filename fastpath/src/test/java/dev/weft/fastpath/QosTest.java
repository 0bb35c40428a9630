package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weft.fastpath.qos.Meter;
import dev.weft.fastpath.qos.Meters;
import dev.weft.fastpath.qos.ShapingQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** Per-port rate limits: a meter lets its rate (plus one burst) through; a shaping queue holds what is over it, boundedly. */
class QosTest {

    @Test
    void aMeterLetsItsRateThroughAndSaysWhenThePortMaySendAgain() {
        Meters meters = new Meters();
        Meter meter = meters.meter("tenant-a/web-1", Meters.Direction.OUTBOUND, 8_000_000); // 1 MB/s: a 1,000-byte frame a millisecond
        long passed = 0;
        for (long now = 0; now < 10_000_000_000L; now += 100_000) { // 10 s offered at 10 MB/s
            if (meter.tryTake(now, 1000)) {
                passed += 1000;
            }
        }
        assertThat((double) passed).as("1 MB/s for 10 s, and one burst of 16 kB").isCloseTo(10_000_000 + 16 * 1024, within(2_000.0));
        assertThat(meter.waitNanos(10_000_000_000L)).as("over its limit: a while to wait").isPositive();
        assertThat(meter.waitNanos(10_002_000_000L)).as("within it again two milliseconds later").isNotPositive();

        meter.charge(20_000_000_000L, 100_000); // a VM read in one go sends 100 kB at once: 100 ms of its rate
        assertThat(meter.waitNanos(20_000_000_000L)).isCloseTo(100_000_000L - 16_384_000L, within(1_000_000L));
        assertThat(meter.tryTake(20_050_000_000L, 1000)).isFalse();

        Meter faster = meters.meter("tenant-a/web-1", Meters.Direction.OUTBOUND, 16_000_000);
        assertThat(faster).isNotSameAs(meter);
        meter.dropped(1500);
        assertThat(meters.dropped().get("tenant-a/web-1").get(Meters.Direction.OUTBOUND)).as("counts outlive a new limit").containsExactly(1500, 1);
        assertThat(meters.meter("tenant-a/web-1", Meters.Direction.OUTBOUND, 16_000_000)).as("the same limit keeps its meter").isSameAs(faster);
    }

    @Test
    void aShapingQueueKeepsOrderAndItsBound() {
        try (ShapingQueue queue = new ShapingQueue(); Arena arena = Arena.ofConfined()) {
            MemorySegment frames = arena.allocate(4000);
            for (int k = 0; k < 4000; k++) {
                frames.set(java.lang.foreign.ValueLayout.JAVA_BYTE, k, (byte) k);
            }
            Deque<Integer> offered = new ArrayDeque<>();
            int accepted = 0;
            for (int k = 0; k < 100; k++) {
                if (queue.offer(frames, k, 1000, 64 * 1024)) {
                    offered.add(k);
                    accepted++;
                }
            }
            assertThat(accepted).as("64 kB of 1,000-byte frames").isEqualTo(65);
            while (!queue.isEmpty()) {
                int k = offered.removeFirst();
                assertThat(queue.headLength()).isEqualTo(1000);
                assertThat(queue.headSlot().get(java.lang.foreign.ValueLayout.JAVA_BYTE, ShapingQueue.HEADROOM)).isEqualTo((byte) k);
                queue.remove();
            }
            assertThat(queue.offer(frames, 0, 3000, 1 << 20)).as("no frame larger than a slot").isFalse();
        }
    }
}

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
    void portsWithoutReservationsShareWhatTheReservationsLeaveAmongThoseSending() {
        dev.weft.fastpath.table.TableSnapshot base = Frames.snapshot(1);
        java.util.List<dev.weft.fastpath.table.PortEntry> ports = base.ports().stream()
                .map(p -> new dev.weft.fastpath.table.PortEntry(p.name(), p.vni(), p.mac(), p.ip(), p.subnet(), p.gateway(), p.security(),
                        p.dhcp(), p.ipForwarding(), new dev.weft.fastpath.table.PortEntry.Qos(0, 0,
                        p.name().equals("tenant-a/web-3") ? 150_000_000L : 0, 300_000_000L))) // capacity 300, web-3 reserves 150
                .toList();
        try (dev.weft.fastpath.table.ForwardingTables t = new dev.weft.fastpath.table.ForwardingTables(
                new dev.weft.fastpath.table.TableSnapshot(1, ports, base.mappings(), base.networks()), Frames.HOST_A)) {
            Meters host = new Meters();
            dev.weft.fastpath.qos.PortMeters worker = new dev.weft.fastpath.qos.PortMeters(host);
            worker.refresh(t);
            assertThat(worker.reserved(Frames.WEB3).bitsPerSecond()).isEqualTo(150_000_000L);
            assertThat(worker.reserved(Frames.WEB1).bitsPerSecond()).as("three without a reservation: 150 / 3").isEqualTo(50_000_000L);

            long now = System.nanoTime();
            for (int port : new int[] {Frames.WEB1, Frames.DB2}) { // web-1 and db-2 send; app-1 doesn't
                for (Meter m : worker.sending(port)) {
                    m.charge(now, 1500);
                }
            }
            worker.rebalance(now);
            assertThat(worker.reserved(Frames.WEB1).bitsPerSecond()).as("two sending: 150 / 2").isEqualTo(75_000_000L);
            assertThat(worker.reserved(Frames.DB2).bitsPerSecond()).isEqualTo(75_000_000L);
            assertThat(worker.reserved(Frames.WEB3).bitsPerSecond()).as("a reservation stays what it is").isEqualTo(150_000_000L);

            dev.weft.fastpath.qos.PortMeters other = new dev.weft.fastpath.qos.PortMeters(host); // another worker of the host
            other.refresh(t);
            assertThat(other.reserved(Frames.WEB1)).as("the host's meter, as the host divides it now").isSameAs(worker.reserved(Frames.WEB1));
            assertThat(other.reserved(Frames.WEB1).bitsPerSecond()).isEqualTo(75_000_000L);

            long later = now + 2 * dev.weft.fastpath.qos.PortMeters.ACTIVE_NANOS;
            for (Meter m : worker.sending(Frames.WEB1)) { // only web-1 still sends
                m.charge(later, 1500);
            }
            worker.rebalance(later);
            assertThat(worker.reserved(Frames.WEB1).bitsPerSecond()).as("alone: all that the reservation leaves").isEqualTo(150_000_000L);
        }
    }

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

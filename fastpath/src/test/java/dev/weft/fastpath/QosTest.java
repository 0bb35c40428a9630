package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.qos.Meter;
import dev.weft.fastpath.qos.Meters;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-port rate limits: a meter passes its rate (plus one burst) and drops the rest; the pipeline drops over-limit frames, counted. */
class QosTest {

    @Test
    void aMeterPassesItsRateAndDropsTheRest() {
        Meters meters = new Meters();
        Meter meter = meters.meter("tenant-a/web-1", Meters.Direction.OUTBOUND, 8_000_000); // 1 MB/s
        long passed = 0;
        for (long now = 0; now < 10_000_000_000L; now += 1_000_000) { // 10 s offered at 3 MB/s: two 1,500-byte frames a millisecond
            for (int f = 0; f < 2; f++) {
                if (meter.admit(now, 1500)) {
                    passed += 1500;
                }
            }
        }
        assertThat((double) passed).as("1 MB/s for 10 s, and one burst of at most 64 kB").isCloseTo(10_000_000 + 64 * 1024, within(20_000.0));
        assertThat(meter.droppedBytes.get()).isEqualTo(2 * 10_000 * 1500L - passed);
        Meter faster = meters.meter("tenant-a/web-1", Meters.Direction.OUTBOUND, 16_000_000);
        assertThat(faster).isNotSameAs(meter);
        assertThat(meters.dropped().get("tenant-a/web-1").get(Meters.Direction.OUTBOUND)[0]).as("counts outlive a new limit")
                .isEqualTo(meter.droppedBytes.get());
        assertThat(meters.meter("tenant-a/web-1", Meters.Direction.OUTBOUND, 16_000_000)).as("the same limit keeps its meter").isSameAs(faster);
    }

    static ForwardingTables tables(PortEntry.Qos web1) {
        TableSnapshot base = Frames.snapshot(1);
        List<PortEntry> ports = new ArrayList<>(base.ports());
        PortEntry p = ports.get(WEB1);
        ports.set(WEB1, new PortEntry(p.name(), p.vni(), p.mac(), p.ip(), p.subnet(), p.gateway(), p.security(), p.dhcp(), false, web1));
        return new ForwardingTables(new TableSnapshot(1, ports, base.mappings(), base.networks()), HOST_A);
    }

    @Test
    void framesOverAPortsLimitAreDroppedAndCountedOthersAreNot() {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables t = tables(new PortEntry.Qos(1_000_000, 1_000_000))) {
            Pipeline pipeline = new Pipeline(1024);
            for (int k = 0; k < 100; k++) { // 100 × 1,042 bytes at once: the 64 kB burst passes, the rest is over
                batch.add(udp(WEB1_MAC, WEB2_MAC, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 53, 1000), WEB1);
                batch.add(udp(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.1.5"), 40000, 53, 1000), DB2);
            }
            pipeline.process(batch, t);
            long web1Out = 0;
            long db2Out = 0;
            for (int i = 0; i < batch.count(); i++) {
                if (batch.verdict[i] == PacketBatch.TO_UNDERLAY) {
                    if (batch.inPort[i] == WEB1) {
                        web1Out++;
                    } else {
                        db2Out++;
                    }
                }
            }
            assertThat(web1Out).isBetween(60L, 66L);
            assertThat(db2Out).as("db-2 has no limit").isEqualTo(100);
            assertThat(pipeline.counters().drops(DropReason.QOS_POLICED)).isEqualTo(100 - web1Out);
            assertThat(pipeline.meters().dropped().get("tenant-a/web-1").get(Meters.Direction.OUTBOUND)[1]).isEqualTo(100 - web1Out);

            batch.clear();
            for (int k = 0; k < 100; k++) {
                int i = batch.add(vxlan(5001, udp(WEB2_MAC, WEB1_MAC, ip("10.1.1.5"), ip("10.1.1.4"), 53, 40000, 1000)), PacketBatch.UNDERLAY);
                batch.underlaySource[i] = HOST_B;
            }
            pipeline.process(batch, t);
            long delivered = java.util.stream.IntStream.range(0, batch.count()).filter(i -> batch.verdict[i] == PacketBatch.TO_PORT).count();
            assertThat(delivered).as("inbound: the burst, then dropped").isBetween(60L, 66L);
            assertThat(pipeline.meters().dropped().get("tenant-a/web-1").get(Meters.Direction.INBOUND)[1]).isEqualTo(100 - delivered);
        }
    }
}

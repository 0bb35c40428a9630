package dev.weft.bench;

import dev.weft.fastpath.flow.FlowCache;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.Egress;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A NAT gateway on its own host: a VM's batch of 256 UDP flows to the internet, source-translated and sent
 * on the uplink. {@code snatCached}: every flow cached (flow cache hit, NAT session refresh, source NAT,
 * uplink header). {@code snatNewFlow}: every packet a new translation (the slow path, and a port allocated:
 * translations expire at once, so each batch reclaims the previous batch's ports). Both restore the 64 bytes
 * of headers the path rewrites before every batch; {@code FastpathBenchmark.encapCached} in the same run is
 * the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NatBenchmark {

    static final int HOST_A = Ipv4.parse("198.18.0.1").value();
    static final long VM_MAC = 0x0200_0a01_0104L;

    @Param({"64", "1400"})
    int frameSize;

    ReplayedBatch frames;
    PacketBatch batch;
    ForwardingTables lasting;
    ForwardingTables expiring;
    ForwardingTables expiringNext;
    Pipeline cached;
    Pipeline fresh;
    int round;

    private static ForwardingTables tables(long generation, int idleSeconds) {
        List<PortEntry> ports = List.of(new PortEntry("tenant-a/vm", 5001, new MacAddress(VM_MAC), Ipv4.parse("10.1.1.4"),
                Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1")));
        List<NetworkEntry> networks = List.of(new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.1.1.0/24"))));
        Egress egress = new Egress(new Egress.Uplink("internet", "eth1", Ipv4Prefix.parse("203.0.113.0/24"), Ipv4.parse("203.0.113.1")), List.of(),
                List.of(new Egress.NatGateway("tenant-a/egress", new Ipv4(HOST_A), List.of(Ipv4.parse("203.0.113.20")), idleSeconds,
                        List.of(new Egress.Source(5001, Ipv4Prefix.parse("10.1.1.0/24"))))));
        return new ForwardingTables(new TableSnapshot(generation, ports, List.of(), networks, egress), HOST_A);
    }

    private static Pipeline pipeline() {
        Pipeline p = new Pipeline(65536);
        p.neighbors().ownMac(0x0266_0000_0001L);
        p.neighbors().learn(Ipv4.parse("203.0.113.1").value(), 0x0266_0000_00feL);
        return p;
    }

    @Setup(Level.Trial)
    public void setUp() {
        lasting = tables(1, 240);
        expiring = tables(1, 0);
        expiringNext = tables(2, 0);
        frames = new ReplayedBatch();
        batch = frames.batch;
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            byte[] frame = FastpathBenchmark.udp(VM_MAC, ForwardingTables.ROUTER_MAC, Ipv4.parse("10.1.1.4").value(),
                    Ipv4.parse("198.51.100.0").value() + i, 40000 + i, 443, frameSize);
            udpChecksum(frame);
            frames.add(frame);
        }
        cached = pipeline();
        fresh = pipeline();
        for (Pipeline p : List.of(cached, fresh)) { // both paths really translate and send on the uplink
            reset();
            p.process(batch, p == cached ? lasting : expiring);
            for (int i = 0; i < PacketBatch.CAPACITY; i++) {
                if (batch.verdict[i] != PacketBatch.TO_UPLINK) {
                    throw new IllegalStateException("frame " + i + " was not sent on the uplink: verdict " + batch.verdict[i] + ", reason " + batch.reason[i]);
                }
            }
        }
    }

    /** Fills in the UDP checksum (the pseudo-header's addresses, protocol and length, then the datagram), as a VM's stack would. */
    static void udpChecksum(byte[] frame) {
        MemorySegment m = MemorySegment.ofArray(frame);
        int udpLength = frame.length - 34;
        long sum = dev.weft.fastpath.packet.Checksum.sum(m, 26, 8) + 17 + udpLength + dev.weft.fastpath.packet.Checksum.sum(m, 34, udpLength);
        int value = dev.weft.fastpath.packet.Checksum.finish(sum);
        frame[40] = (byte) ((value == 0 ? 0xffff : value) >>> 8);
        frame[41] = (byte) (value == 0 ? 0xffff : value);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frames.close();
        lasting.close();
        expiring.close();
        expiringNext.close();
    }

    private void reset() {
        frames.reset();
    }

    @Benchmark
    public int snatCached() {
        reset();
        cached.process(batch, lasting);
        return batch.verdict[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int snatNewFlow() {
        reset();
        fresh.process(batch, (round++ & 1) == 0 ? expiring : expiringNext); // a new generation: every flow misses the cache
        return batch.verdict[PacketBatch.CAPACITY - 1] + FlowCache.UPLINK;
    }
}

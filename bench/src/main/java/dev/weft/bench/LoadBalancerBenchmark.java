package dev.weft.bench;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.Balancer;
import dev.weft.fastpath.table.Egress;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
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
 * A client VM's batch of 256 UDP flows to a load balancer's frontend with 10 backends on other hosts: the
 * destination translated to the chosen backend, routed, VXLAN-encapsulated. {@code lbCached}: every flow cached
 * (flow cache hit, connection refresh, translation). {@code lbNewFlow}: every packet a new connection (the slow
 * path, a Maglev pick and a connection recorded: connections expire at once). Both restore the 64 header bytes
 * the path rewrites; {@code FastpathBenchmark.encapCached} in the same run is the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LoadBalancerBenchmark {

    static final int HOST_A = Ipv4.parse("198.18.0.1").value();
    static final long VM_MAC = 0x0200_0a01_0204L;

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
        List<PortEntry> ports = List.of(new PortEntry("tenant-a/client", 5001, new MacAddress(VM_MAC), Ipv4.parse("10.1.2.4"),
                Ipv4Prefix.parse("10.1.2.0/24"), Ipv4.parse("10.1.2.1")));
        List<MappingEntry> mappings = new ArrayList<>();
        List<Balancer.Backend> backends = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            Ipv4 ip = new Ipv4(Ipv4.parse("10.1.1.10").value() + k);
            mappings.add(new MappingEntry(5001, ip, new MacAddress(0x0200_0000_1000L + k), new Ipv4(HOST_A + 1 + k), MappingEntry.Encapsulation.VXLAN));
            backends.add(new Balancer.Backend("tenant-a/web-" + k, ip));
        }
        List<NetworkEntry> networks = List.of(new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")),
                List.of(Ipv4Prefix.parse("10.1.1.0/24"), Ipv4Prefix.parse("10.1.2.0/24"))));
        Balancer rule = new Balancer("tenant-a/web-lb/http", 5001, Ipv4.parse("10.1.1.100"), 17, 80, 8080, false, idleSeconds, backends);
        return new ForwardingTables(new TableSnapshot(generation, ports, mappings, networks, Egress.NONE, List.of(rule)), HOST_A);
    }

    @Setup(Level.Trial)
    public void setUp() {
        lasting = tables(1, 240);
        expiring = tables(1, 0);
        expiringNext = tables(2, 0);
        frames = new ReplayedBatch();
        batch = frames.batch;
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            byte[] frame = FastpathBenchmark.udp(VM_MAC, ForwardingTables.ROUTER_MAC, Ipv4.parse("10.1.2.4").value(), Ipv4.parse("10.1.1.100").value(),
                    40000 + i, 80, frameSize);
            NatBenchmark.udpChecksum(frame);
            frames.add(frame);
        }
        cached = new Pipeline(65536);
        fresh = new Pipeline(65536);
        for (Pipeline p : List.of(cached, fresh)) { // both paths really balance and encapsulate
            reset();
            p.process(batch, p == cached ? lasting : expiring);
            for (int i = 0; i < PacketBatch.CAPACITY; i++) {
                if (batch.verdict[i] != PacketBatch.TO_UNDERLAY) {
                    throw new IllegalStateException("frame " + i + " was not balanced to a backend's host: verdict " + batch.verdict[i] + ", reason "
                            + batch.reason[i]);
                }
            }
        }
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
    public int lbCached() {
        reset();
        cached.process(batch, lasting);
        return batch.verdict[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int lbNewFlow() {
        reset();
        fresh.process(batch, (round++ & 1) == 0 ? expiring : expiringNext);
        return batch.verdict[PacketBatch.CAPACITY - 1];
    }
}

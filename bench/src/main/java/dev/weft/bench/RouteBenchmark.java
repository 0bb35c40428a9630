package dev.weft.bench;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.Route;
import dev.weft.fastpath.table.Routes;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
 * Route lookup with 1,000 user routes in the VM's subnet's route table (/17 to /30 prefixes of 10.0.0.0/8 that the traffic
 * doesn't match, so each lookup passes all of them before the network's own /16 decides: the longest scan). Per op, 256
 * lookups or one batch of 256 new flows (64-byte frames):
 * routeLookup1000Vector / routeLookup1000Scalar: {@link Routes#lookup} and its scalar twin alone;
 * newFlow1000Routes: the whole slow path with the table (the table generation changes every batch) next to
 * newFlowNoRoutes, the same frames and pipeline without a table (what FastpathBenchmark calls encap-miss).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RouteBenchmark {

    static final int HOST_A = Ipv4.parse("198.18.0.1").value();
    static final int HOST_B = Ipv4.parse("198.18.0.2").value();
    static final long VM_MAC = 0x0200_0a01_0104L;
    static final int FLOWS = 256;

    Routes routes;
    int[] destinations = new int[FLOWS];
    PacketBatch batch;
    int[] start = new int[PacketBatch.CAPACITY];
    int[] length = new int[PacketBatch.CAPACITY];
    ForwardingTables[] routed = new ForwardingTables[2];
    ForwardingTables[] plain = new ForwardingTables[2];
    Pipeline withRoutes;
    Pipeline withoutRoutes;
    int round;

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(15);
        Set<Ipv4Prefix> prefixes = new LinkedHashSet<>();
        while (prefixes.size() < 1000) {
            int len = 17 + random.nextInt(14);
            int network = (0x0a000000 | random.nextInt(1 << 24)) & (-1 << (32 - len));
            if ((network >>> 16) != 0x0a01) { // not in the VM's own 10.1.0.0/16, which its traffic is to
                prefixes.add(new Ipv4Prefix(new Ipv4(network), len));
            }
        }
        List<Route> user = new ArrayList<>();
        int r = 0;
        for (Ipv4Prefix prefix : prefixes) {
            user.add(Route.user("t/r" + r++, prefix, Route.NextHop.NONE, null));
        }
        Ipv4Prefix space = Ipv4Prefix.parse("10.1.0.0/16");
        routes = Routes.of(user, List.of(space), List.of());
        for (int f = 0; f < FLOWS; f++) {
            destinations[f] = Ipv4.parse("10.1.2.0").value() + f;
        }

        List<PortEntry> ports = List.of(new PortEntry("tenant-a/vm", 5001, new MacAddress(VM_MAC), Ipv4.parse("10.1.1.4"), space,
                Ipv4.parse("10.1.0.1")));
        List<MappingEntry> mappings = new ArrayList<>();
        for (int k = 0; k < FLOWS; k++) {
            mappings.add(new MappingEntry(5001, new Ipv4(destinations[k]), new MacAddress(0x0200_0000_1000L + k), new Ipv4(HOST_B + (k % 50)),
                    MappingEntry.Encapsulation.VXLAN));
        }
        for (int g = 0; g < 2; g++) {
            routed[g] = new ForwardingTables(new TableSnapshot(g + 1, ports, mappings, List.of(new NetworkEntry(5001, List.of(space), List.of(space),
                    null, List.of(), Map.of(space, user)))), HOST_A);
            plain[g] = new ForwardingTables(new TableSnapshot(g + 1, ports, mappings, List.of(new NetworkEntry(5001, List.of(space), List.of(space)))),
                    HOST_A);
        }
        batch = new PacketBatch();
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            int flow = i % FLOWS;
            batch.add(FastpathBenchmark.udp(VM_MAC, 0x0200_0000_1000L + flow, Ipv4.parse("10.1.1.4").value(), destinations[flow], 40000 + flow, 53, 64), 0);
            start[i] = batch.start[i];
            length[i] = batch.length[i];
        }
        withRoutes = new Pipeline(65536);
        withoutRoutes = new Pipeline(65536);
        if (newFlow1000Routes() != PacketBatch.TO_UNDERLAY || newFlowNoRoutes() != PacketBatch.TO_UNDERLAY
                || routes.route(routeLookup1000Vector() / FLOWS).user()) {
            throw new IllegalStateException("the benchmark's flows are not encapsulated by the network's own route");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.close();
        for (int g = 0; g < 2; g++) {
            routed[g].close();
            plain[g].close();
        }
    }

    @Benchmark
    public int routeLookup1000Vector() {
        int sum = 0;
        for (int f = 0; f < FLOWS; f++) {
            sum += routes.lookup(destinations[f]);
        }
        return sum;
    }

    @Benchmark
    public int routeLookup1000Scalar() {
        int sum = 0;
        for (int f = 0; f < FLOWS; f++) {
            sum += routes.lookupScalar(destinations[f]);
        }
        return sum;
    }

    private int run(Pipeline pipeline, ForwardingTables[] tables) {
        System.arraycopy(start, 0, batch.start, 0, PacketBatch.CAPACITY);
        System.arraycopy(length, 0, batch.length, 0, PacketBatch.CAPACITY);
        pipeline.process(batch, tables[round++ & 1]);
        return batch.verdict[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int newFlow1000Routes() {
        return run(withRoutes, routed);
    }

    @Benchmark
    public int newFlowNoRoutes() {
        return run(withoutRoutes, plain);
    }
}

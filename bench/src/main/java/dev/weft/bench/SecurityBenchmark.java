package dev.weft.bench;

import dev.weft.fastpath.security.Classifier;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.fastpath.security.RuleTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Security on the packet path, per new flow: classifying against 1,000 rules with the Vector API and with
 * its scalar twin (256 flows per op, most matching late in the table, as with a long allow list ending in a
 * deny), and the connection-tracking lookup that lets replies and re-checked flows through (256 per op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SecurityBenchmark {

    static final int FLOWS = 256;

    RuleTable rules;
    Conntrack conntrack;
    int[] src = new int[FLOWS];
    int[] dst = new int[FLOWS];
    int[] srcPort = new int[FLOWS];
    int[] dstPort = new int[FLOWS];

    @Setup
    public void setUp() {
        Random random = new Random(7);
        List<RuleTable.Rule> list = new ArrayList<>();
        for (int r = 0; r < 999; r++) { // allow rules for specific sources and service ports
            int source = 0x0a000000 | random.nextInt(1 << 16) << 8;
            int port = 1000 + r;
            list.add(new RuleTable.Rule("allow-" + r, true, 6, List.of(new int[] {source, -1 << 8}), List.of(new int[] {0, 0}),
                    List.of(new int[] {0, 65535}), List.of(new int[] {port, port}), false));
        }
        list.add(new RuleTable.Rule("deny-rest", false, 0, List.of(new int[] {0, 0}), List.of(new int[] {0, 0}),
                List.of(new int[] {0, 65535}), List.of(new int[] {0, 65535}), false));
        rules = new RuleTable(list);
        conntrack = new Conntrack(1 << 16);
        for (int f = 0; f < FLOWS; f++) {
            src[f] = 0x0b000000 | random.nextInt(1 << 24);
            dst[f] = 0x0a010104;
            srcPort[f] = 30000 + f;
            dstPort[f] = 443;
            conntrack.add(0, Conntrack.OUTBOUND, dst[f], src[f], 6, dstPort[f], srcPort[f], 1);
        }
    }

    @Benchmark
    public int classify1000Vector() {
        int sum = 0;
        for (int f = 0; f < FLOWS; f++) {
            sum += Classifier.vector(rules, src[f], dst[f], 6, srcPort[f], dstPort[f]);
        }
        return sum;
    }

    @Benchmark
    public int classify1000Scalar() {
        int sum = 0;
        for (int f = 0; f < FLOWS; f++) {
            sum += Classifier.scalar(rules, src[f], dst[f], 6, srcPort[f], dstPort[f]);
        }
        return sum;
    }

    /** Replies of established flows: the reverse-tuple lookup that lets them through. */
    @Benchmark
    public int conntrackHit() {
        int sum = 0;
        for (int f = 0; f < FLOWS; f++) {
            sum += conntrack.find(0, Conntrack.OUTBOUND, dst[f], src[f], 6, dstPort[f], srcPort[f]);
        }
        return sum;
    }
}

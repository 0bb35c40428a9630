package dev.weft.bench;

import dev.weft.fastpath.lb.Maglev;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Building a Maglev table of 65,537 slots (what a host does when a pool's backends or their health change); 10 backends as the baseline. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MaglevBenchmark {

    @Param({"10", "1000"})
    int backends;

    List<String> names;

    @Setup
    public void setUp() {
        names = new ArrayList<>();
        for (int k = 0; k < backends; k++) {
            names.add("tenant-a/web-" + k);
        }
    }

    /** A table built for the backends. */
    @Benchmark
    public int build() {
        return Maglev.build(names, Maglev.DEFAULT_SIZE).lookup(12345);
    }

    /** What a publish pays for a pool whose backends didn't change: the table built before. */
    @Benchmark
    public int unchanged() {
        return Maglev.of(names).lookup(12345);
    }
}

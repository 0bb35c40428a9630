package dev.weft.bench;

import dev.weft.compile.Compiled;
import dev.weft.compile.Compiler;
import dev.weft.model.Model;
import dev.weft.model.ModelDiff;
import dev.weft.plan.Differ;
import dev.weft.plan.Plan;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A warm reconciler after a one-NIC change on 1,000 hosts / 100,000 NICs / 500 virtual networks:
 * recompile + diff incrementally ({@code incremental}), against recompiling the world and diffing
 * ({@code full}, the baseline).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PlanBenchmark {

    @Param({"1000"})
    int hosts;

    @Param({"500"})
    int networks;

    @Param({"100000"})
    int nics;

    Model before;
    Model after;
    Compiled compiledBefore;

    @Setup(Level.Trial)
    public void setUp() {
        before = SyntheticModels.of(hosts, networks, nics);
        after = SyntheticModels.withOneMoreNic(before);
        compiledBefore = Compiler.compile(before);
    }

    @Benchmark
    public Plan incremental() {
        ModelDiff diff = ModelDiff.between(before, after);
        return Differ.plan("before", "after", compiledBefore, Compiler.update(compiledBefore, after, diff), diff);
    }

    @Benchmark
    public Plan full() {
        return Differ.plan("before", "after", compiledBefore, Compiler.compile(after));
    }
}

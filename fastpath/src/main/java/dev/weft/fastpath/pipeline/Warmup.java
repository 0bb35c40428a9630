package dev.weft.fastpath.pipeline;

import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.FlowHash;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.security.Classifier;
import dev.weft.fastpath.security.RuleTable;
import dev.weft.fastpath.table.Routes;
import dev.weft.net.Ipv4Prefix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Has the JIT compile the data path's Vector API kernels (checksums, flow hashes, the security classifier, route lookup)
 * before the first packet. Until its top tier compiles them, Vector API code runs with every vector a heap object: a call
 * takes a few hundred microseconds instead of under one. A worker meeting traffic cold moved 1–2 thousand frames a second
 * for a second or more: a TCP flow through an inbound limit of 100 Mbit/s started at a tenth of it. Each kernel is called
 * until calls are fast (or {@link #LIMIT_NANOS} has passed); once per JVM, when its first worker starts.
 */
public final class Warmup {

    /** A call this slow or slower has not been compiled yet (compiled: well under a microsecond; cold: hundreds). */
    static final long COLD_NANOS = 20_000;
    /** Calls timed together. */
    static final int ROUND = 200;
    /** The longest one kernel is warmed. */
    static final long LIMIT_NANOS = 10_000_000_000L;

    private static boolean done;
    private static long results;

    private Warmup() {
    }

    /** Compiles the kernels unless this JVM already has; returns the milliseconds it took (0 the second time). */
    public static synchronized long vectorKernels() {
        if (done) {
            return 0;
        }
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment frame = arena.allocate(PacketBatch.SLOT);
            for (int i = 0; i < PacketBatch.SLOT; i++) {
                frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
            }
            long[] sink = new long[1];
            int[] k = new int[1];
            untilFast(() -> sink[0] += Checksum.sumVector(frame, 14, 20 + k[0]++ % 1480));
            PacketBatch batch = new PacketBatch();
            for (int i = 0; i < PacketBatch.CAPACITY; i++) {
                batch.srcIp[i] = 0x0a01_0104 + i;
                batch.dstIp[i] = 0x0a01_0105;
                batch.protocol[i] = 6;
            }
            untilFast(() -> FlowHash.vector(batch, PacketBatch.CAPACITY - k[0]++ % 7));
            batch.close();
            RuleTable rules = new RuleTable(List.of(
                    new RuleTable.Rule("web", true, 6, List.of(new int[] {0x0a01_0100, 0xffff_ff00}), List.of(new int[] {0, 0}),
                            List.of(new int[] {0, 65535}), List.of(new int[] {80, 80}, new int[] {443, 443}), false),
                    new RuleTable.Rule("deny", false, RuleTable.ANY_PROTOCOL, List.of(new int[] {0, 0}), List.of(new int[] {0, 0}),
                            List.of(new int[] {0, 65535}), List.of(new int[] {0, 65535}), false)));
            untilFast(() -> sink[0] += Classifier.vector(rules, 0x0a01_0104 + k[0]++ % 512, 0x0a01_0105, 6, 40000, k[0] % 2 == 0 ? 80 : 22));
            Routes routes = Routes.of(List.of(), List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.3.0.0/16")));
            untilFast(() -> sink[0] += routes.lookup(0x0a01_0000 + k[0]++ * 977));
            results = sink[0]; // kept, so the calls are not optimized away
        }
        done = true;
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Calls {@code kernel} in rounds of {@link #ROUND} until a round averages under {@link #COLD_NANOS} a call. */
    private static void untilFast(Runnable kernel) {
        long deadline = System.nanoTime() + LIMIT_NANOS;
        int fastRounds = 0;
        while (fastRounds < 3 && System.nanoTime() < deadline) {
            long t = System.nanoTime();
            for (int i = 0; i < ROUND; i++) {
                kernel.run();
            }
            fastRounds = (System.nanoTime() - t) / ROUND < COLD_NANOS ? fastRounds + 1 : 0;
        }
    }
}

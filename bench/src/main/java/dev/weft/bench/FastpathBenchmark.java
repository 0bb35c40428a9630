package dev.weft.bench;

import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.FlowHash;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.nio.ByteBuffer;
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
 * One worker's packet path on a batch of 256 frames (score: ns per batch; bench/fastpath prints Mpps and
 * ns per packet). encapCached: flow-cache hits to VXLAN; encapMiss: the full slow path (the table
 * generation changes every batch); decap: VXLAN from the underlay to a local port; and the vector stages
 * next to their scalar twins. qosPoliced: encapCached from a VM with a rate limit, every frame metered (a limit high
 * enough that all pass: the cost the limit adds); qosQueued: the same with every frame through the shaping queue (copied
 * in and out, as a frame that had to wait); mirrorCopy: encapCached from a VM that is a tap's source (direction Outbound,
 * collector on another host), the copies made and sent through the graph too (the score per original frame).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FastpathBenchmark {

    static final int HOST_A = Ipv4.parse("198.18.0.1").value();
    static final int HOST_B = Ipv4.parse("198.18.0.2").value();
    static final long VM_MAC = 0x0200_0a01_0104L;
    static final int FLOWS = 256; // every packet of a batch its own flow: encapMiss takes the slow path for each

    @Param({"64", "1400"})
    int frameSize;

    PacketBatch toUnderlay;
    PacketBatch fromUnderlay;
    int[] startTx = new int[PacketBatch.CAPACITY];
    int[] lengthTx = new int[PacketBatch.CAPACITY];
    int[] startRx = new int[PacketBatch.CAPACITY];
    int[] lengthRx = new int[PacketBatch.CAPACITY];
    ForwardingTables tables;
    ForwardingTables otherGeneration;
    Pipeline cached;
    Pipeline miss;
    Pipeline decap;
    int round;
    dev.weft.fastpath.qos.Meter limit;
    dev.weft.fastpath.qos.ShapingQueue queue;
    ForwardingTables mirrored;
    Pipeline mirroring;

    @Setup(Level.Trial)
    public void setUp() {
        List<PortEntry> ports = List.of(new PortEntry("tenant-a/vm", 5001, new MacAddress(VM_MAC), Ipv4.parse("10.1.1.4"),
                Ipv4Prefix.parse("10.1.0.0/16"), Ipv4.parse("10.1.0.1")));
        List<MappingEntry> mappings = new ArrayList<>();
        for (int k = 0; k < 1000; k++) {
            mappings.add(new MappingEntry(5001, new Ipv4(Ipv4.parse("10.1.2.0").value() + k), new MacAddress(0x0200_0000_1000L + k),
                    new Ipv4(HOST_B + (k % 50)), MappingEntry.Encapsulation.VXLAN));
        }
        List<NetworkEntry> networks = List.of(new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.1.0.0/16"))));
        tables = new ForwardingTables(new TableSnapshot(1, ports, mappings, networks), HOST_A);
        otherGeneration = new ForwardingTables(new TableSnapshot(2, ports, mappings, networks), HOST_A);
        PortEntry vm = ports.getFirst();
        mirrored = new ForwardingTables(new TableSnapshot(1, List.of(new PortEntry(vm.name(), vm.vni(), vm.mac(), vm.ip(), vm.subnet(), vm.gateway(), null,
                vm.dhcp(), false, PortEntry.Qos.NONE, List.of(new dev.weft.fastpath.table.Mirror("tenant-a/capture", 77, false, true,
                Ipv4.parse("10.1.2.0").value() + 999, 4789)))), mappings, networks), HOST_A);
        toUnderlay = new PacketBatch();
        fromUnderlay = new PacketBatch();
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            int flow = i % FLOWS;
            byte[] frame = udp(VM_MAC, 0x0200_0000_1000L + flow, Ipv4.parse("10.1.1.4").value(), Ipv4.parse("10.1.2.0").value() + flow,
                    40000 + flow, 53, frameSize);
            toUnderlay.add(frame, 0);
            startTx[i] = toUnderlay.start[i];
            lengthTx[i] = toUnderlay.length[i];
            byte[] reply = udp(0x0200_0000_1000L + flow, VM_MAC, Ipv4.parse("10.1.2.0").value() + flow, Ipv4.parse("10.1.1.4").value(),
                    53, 40000 + flow, frameSize);
            fromUnderlay.add(vxlan(5001, reply), PacketBatch.UNDERLAY);
            fromUnderlay.underlaySource[i] = HOST_B;
            startRx[i] = fromUnderlay.start[i];
            lengthRx[i] = fromUnderlay.length[i];
        }
        cached = new Pipeline(65536);
        miss = new Pipeline(65536);
        decap = new Pipeline(65536);
        mirroring = new Pipeline(65536);
        if (mirrorCopy() != PacketBatch.TO_UNDERLAY) {
            throw new IllegalStateException("the mirrored copies don't reach the collector's host");
        }
        limit = new dev.weft.fastpath.qos.Meters().meter("tenant-a/vm", dev.weft.fastpath.qos.Meters.Direction.OUTBOUND, 1_000_000_000_000L);
        queue = new dev.weft.fastpath.qos.ShapingQueue();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        toUnderlay.close();
        fromUnderlay.close();
        tables.close();
        otherGeneration.close();
        mirrored.close();
        queue.close();
    }

    private void resetTx() {
        System.arraycopy(startTx, 0, toUnderlay.start, 0, PacketBatch.CAPACITY);
        System.arraycopy(lengthTx, 0, toUnderlay.length, 0, PacketBatch.CAPACITY);
    }

    @Benchmark
    public int encapCached() {
        resetTx();
        cached.process(toUnderlay, tables);
        return toUnderlay.verdict[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int encapMiss() {
        resetTx();
        miss.process(toUnderlay, (round++ & 1) == 0 ? tables : otherGeneration);
        return toUnderlay.verdict[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int mirrorCopy() {
        resetTx();
        mirroring.process(toUnderlay, mirrored);
        PacketBatch copies = mirroring.mirrors().batch();
        mirroring.process(copies, mirrored);
        int last = copies.verdict[copies.count() - 1];
        mirroring.mirrors().clear();
        return last;
    }

    @Benchmark
    public int qosPoliced() {
        resetTx();
        cached.process(toUnderlay, tables);
        long now = System.nanoTime();
        int passed = 0;
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            passed += limit.tryTake(now, toUnderlay.length[i]) ? 1 : 0;
        }
        return passed;
    }

    @Benchmark
    public int qosQueued() {
        resetTx();
        cached.process(toUnderlay, tables);
        int sent = 0;
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            queue.offer(toUnderlay.memory(), toUnderlay.start[i], toUnderlay.length[i], 1 << 30);
        }
        while (!queue.isEmpty()) {
            sent += queue.headSlot().get(java.lang.foreign.ValueLayout.JAVA_BYTE, dev.weft.fastpath.qos.ShapingQueue.HEADROOM + queue.headLength() - 1);
            queue.remove();
        }
        return sent;
    }

    @Benchmark
    public int decap() {
        System.arraycopy(startRx, 0, fromUnderlay.start, 0, PacketBatch.CAPACITY);
        System.arraycopy(lengthRx, 0, fromUnderlay.length, 0, PacketBatch.CAPACITY);
        decap.process(fromUnderlay, tables);
        return fromUnderlay.verdict[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int flowHashVector() {
        FlowHash.vector(toUnderlay, PacketBatch.CAPACITY);
        return toUnderlay.hash[17];
    }

    @Benchmark
    public int flowHashScalar() {
        FlowHash.scalar(toUnderlay, PacketBatch.CAPACITY);
        return toUnderlay.hash[17];
    }

    /** The one's-complement sum of every frame's IPv4 payload (the L4 checksum's core), Vector API. */
    @Benchmark
    public long checksumVector() {
        long total = 0;
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            total += Checksum.sumVector(toUnderlay.memory(), startTx[i] + 34, lengthTx[i] - 34);
        }
        return total;
    }

    @Benchmark
    public long checksumScalar() {
        long total = 0;
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            total += Checksum.sum(toUnderlay.memory(), startTx[i] + 34, lengthTx[i] - 34);
        }
        return total;
    }

    /** Ethernet + IPv4 + UDP, {@code size} bytes in all. */
    static byte[] udp(long srcMac, long dstMac, int src, int dst, int srcPort, int dstPort, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort((short) (dstMac >>> 32)).putInt((int) dstMac).putShort((short) (srcMac >>> 32)).putInt((int) srcMac).putShort((short) 0x0800);
        int at = b.position();
        int total = size - 14;
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0).putShort((short) 0x4000).put((byte) 64).put((byte) 17)
                .putShort((short) 0).putInt(src).putInt(dst);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((b.get(at + i) & 0xff) << 8) | (b.get(at + i + 1) & 0xff);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        b.putShort(at + 10, (short) ~sum);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (total - 20)).putShort((short) 0);
        return b.array();
    }

    /** A VXLAN datagram's payload as the underlay socket hands it over: the VXLAN header, then the inner frame. */
    static byte[] vxlan(int vni, byte[] inner) {
        ByteBuffer b = ByteBuffer.allocate(8 + inner.length);
        b.putInt(0x0800_0000).putInt(vni << 8).put(inner);
        return b.array();
    }
}

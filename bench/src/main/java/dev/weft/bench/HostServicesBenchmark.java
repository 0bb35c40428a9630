package dev.weft.bench;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.fastpath.trace.Probe;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
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
 * The host's answers to its VMs, one worker, batches of 256 requests from one port (score: ns per batch;
 * bench/fastpath prints ns per request). dhcpReply: DHCPDISCOVER → DHCPOFFER; dnsReply: an A query for one of
 * 1,000 names of the network → the answer; arpReply, the baseline:
 * an ARP request for the gateway → the reply. Both rewrite the request in place, so each batch first copies
 * the 256 requests back into it (the same copy in both cases).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HostServicesBenchmark {

    static final long VM_MAC = 0x0200_0a01_0104L;

    ForwardingTables tables;
    Pipeline pipeline;
    PacketBatch dhcp;
    PacketBatch arp;
    MemorySegment dhcpRequest;
    MemorySegment arpRequest;
    PacketBatch dns;
    MemorySegment dnsRequest;

    @Setup(Level.Trial)
    public void setUp() {
        PortEntry port = new PortEntry("tenant-a/vm", 5001, new MacAddress(VM_MAC), Ipv4.parse("10.1.1.4"), Ipv4Prefix.parse("10.1.1.0/24"),
                Ipv4.parse("10.1.1.1"), null, new PortEntry.Dhcp("blue.tenant-a.internal", List.of(Ipv4.parse("10.1.0.53")), 1450));
        List<MappingEntry> mappings = new java.util.ArrayList<>();
        for (int k = 0; k < 1000; k++) { // a network of 1,000 named interfaces
            mappings.add(new MappingEntry(5001, new Ipv4(Ipv4.parse("10.1.2.0").value() + k), new MacAddress(0x0200_0000_1000L + k),
                    Ipv4.parse("198.18.0.2"), MappingEntry.Encapsulation.VXLAN, "vm-" + k));
        }
        tables = new ForwardingTables(new TableSnapshot(1, List.of(port), mappings,
                List.of(new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.1.1.0/24"),
                        Ipv4Prefix.parse("10.1.2.0/22")), "blue.tenant-a.internal"))),
                Ipv4.parse("198.18.0.1").value());
        pipeline = new Pipeline(1024);
        dhcpRequest = MemorySegment.ofArray(discover());
        arpRequest = MemorySegment.ofArray(arpForGateway());
        dnsRequest = MemorySegment.ofArray(dnsQuery("vm-500.blue.tenant-a.internal"));
        dhcp = new PacketBatch();
        arp = new PacketBatch();
        dns = new PacketBatch();
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            dhcp.add(dhcpRequest, (int) dhcpRequest.byteSize(), 0);
            arp.add(arpRequest, (int) arpRequest.byteSize(), 0);
            dns.add(dnsRequest, (int) dnsRequest.byteSize(), 0);
        }
        for (PacketBatch b : List.of(dhcp, arp, dns)) { // every request must be answered, or the numbers mean nothing
            pipeline.process(b, tables);
            for (int i = 0; i < b.count(); i++) {
                if (b.verdict[i] != PacketBatch.TO_PORT) {
                    throw new IllegalStateException("request " + i + " was not answered: drop reason " + b.reason[i]);
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dhcp.close();
        arp.close();
        dns.close();
        tables.close();
    }

    private static void restore(PacketBatch b, MemorySegment request) {
        for (int i = 0; i < PacketBatch.CAPACITY; i++) {
            b.start[i] = i * PacketBatch.SLOT + PacketBatch.HEADROOM;
            b.length[i] = (int) request.byteSize();
            MemorySegment.copy(request, 0, b.memory(), b.start[i], request.byteSize());
        }
    }

    @Benchmark
    public int dhcpReply() {
        restore(dhcp, dhcpRequest);
        pipeline.process(dhcp, tables);
        return dhcp.length[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int dnsReply() {
        restore(dns, dnsRequest);
        pipeline.process(dns, tables);
        return dns.length[PacketBatch.CAPACITY - 1];
    }

    @Benchmark
    public int arpReply() {
        restore(arp, arpRequest);
        pipeline.process(arp, tables);
        return arp.length[PacketBatch.CAPACITY - 1];
    }

    static byte[] discover() {
        ByteBuffer bootp = ByteBuffer.allocate(240 + 4);
        bootp.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(0x1234_5678).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0);
        bootp.putShort((short) (VM_MAC >>> 32)).putInt((int) VM_MAC);
        bootp.position(bootp.position() + 10 + 64 + 128);
        bootp.putInt(0x6382_5363).put((byte) 53).put((byte) 1).put((byte) 1).put((byte) 255);
        return Probe.frame(VM_MAC, 0xffff_ffff_ffffL, 0, -1, Probe.Protocol.udp, 68, 67, bootp.array());
    }

    /** A query from the VM to its gateway for the A record of {@code name}. */
    static byte[] dnsQuery(String name) {
        return Probe.frame(VM_MAC, ForwardingTables.ROUTER_MAC, Ipv4.parse("10.1.1.4").value(), Ipv4.parse("10.1.1.1").value(),
                Probe.Protocol.udp, 40053, 53, Probe.dnsQuery(name, 1));
    }

    static byte[] arpForGateway() {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.putShort((short) 0xffff).putInt(0xffff_ffff).putShort((short) (VM_MAC >>> 32)).putInt((int) VM_MAC).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.putShort((short) (VM_MAC >>> 32)).putInt((int) VM_MAC).putInt(Ipv4.parse("10.1.1.4").value());
        b.putShort((short) 0).putInt(0).putInt(Ipv4.parse("10.1.1.1").value());
        return b.array();
    }
}

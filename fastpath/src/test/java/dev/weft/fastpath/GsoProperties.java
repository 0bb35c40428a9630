package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.Segmenter;
import dev.weft.fastpath.io.Underlay;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.trace.Probe;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * GSO frames under hostile input: VMs' TSO and USO frames with any size, segment size and header damage, and VXLAN datagrams of up to
 * 64 kB (whole GSO frames as another host's tunnel device sends them, or forged) taken as the underlay takes them. Through
 * the graph, and then cut as a worker cuts them for where they go: nothing throws, every segment fits a slot and carries its
 * own IPv4 length and a good TCP checksum, an undamaged frame's payload arrives whole and in order, and nothing crosses
 * into another VNI.
 */
class GsoProperties {

    /** A frame, where it enters (a port, or the underlay from host-b), its segment size for a port's TSO frame, and whether it was damaged. */
    record Arrival(byte[] frame, int port, int mss, boolean damaged) {
    }

    @Provide
    Arbitrary<List<Arrival>> arrivals() {
        Arbitrary<Arrival> fromPorts = Arbitraries.of(WEB1, DB2, APP1).flatMap(port -> {
            long mac = port == WEB1 ? WEB1_MAC : port == DB2 ? DB2_MAC : APP1_MAC;
            int source = port == DB2 ? ip("10.1.2.5") : ip("10.1.1.4");
            Arbitrary<byte[]> tcp = Combinators.combine(Arbitraries.of(WEB2_MAC, ForwardingTables.ROUTER_MAC, DB2_MAC, WEB1_MAC),
                            Arbitraries.of(ip("10.1.1.5"), ip("10.1.2.5"), ip("10.1.1.4"), ip("10.1.1.1"), ip("10.9.9.9")),
                            Arbitraries.integers().between(1, 65445), Arbitraries.integers().between(1, 65535))
                    .as((dstMac, dst, bytes, dport) -> Probe.tcpData(mac, dstMac, source, dst, 40000, dport, bytes));
            Arbitrary<Integer> mss = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 2000)),
                    net.jqwik.api.Tuple.of(4, Arbitraries.of(536, 1000, 1448, 1460, 1900)));
            return Combinators.combine(damaged(tcp), mss).as((frame, size) -> new Arrival(frame.frame(), port, size, frame.damaged()));
        });
        Arbitrary<byte[]> inbound = Combinators.combine(Arbitraries.of(WEB1_MAC, DB2_MAC, APP1_MAC),
                        Arbitraries.of(ip("10.1.1.4"), ip("10.1.2.5")), Arbitraries.integers().between(1, 65445 - 8))
                .as((dstMac, dst, bytes) -> Probe.tcpData(WEB2_MAC, dstMac, ip("10.1.1.5"), dst, 80, 40000, bytes));
        Arbitrary<Arrival> fromUnderlay = damaged(Combinators.combine(Arbitraries.of(5001, 5002, 7777), inbound).as(Frames::vxlan))
                .map(d -> new Arrival(d.frame(), PacketBatch.UNDERLAY, 0, d.damaged()));
        return Arbitraries.oneOf(fromPorts, fromUnderlay).list().ofMinSize(1).ofMaxSize(6);
    }

    record Damaged(byte[] frame, boolean damaged) {
    }

    /** Unchanged, cut short, or a bit flipped in the first 80 bytes (the headers: lengths, offsets, protocol, flags). */
    private static Arbitrary<Damaged> damaged(Arbitrary<byte[]> frames) {
        return Combinators.combine(frames, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 1 << 20))
                .as((frame, mode, seed) -> switch (mode) {
                    case 1 -> new Damaged(Arrays.copyOf(frame, Math.min(frame.length, seed % 2000)), true);
                    case 2 -> {
                        byte[] copy = frame.clone();
                        copy[seed % Math.min(80, copy.length)] ^= (byte) (1 << (seed >>> 17 & 7));
                        yield new Damaged(copy, true);
                    }
                    default -> new Damaged(frame, false);
                });
    }

    @Property(tries = 500)
    void gsoFramesAreCutIntoGoodSegmentsWhateverTheyCarryAndStayInTheirNetwork(@ForAll("arrivals") List<Arrival> arrivals) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1); Arena arena = Arena.ofConfined()) {
            List<Arrival> taken = new ArrayList<>(); // per batch index, what it came from
            for (Arrival a : arrivals) {
                if (batch.full()) {
                    break; // as the worker: it reads a device only while the batch has room (GSO frames' segments reserved)
                }
                int before = batch.count();
                if (a.port() == PacketBatch.UNDERLAY) {
                    MemorySegment datagram = arena.allocate(Math.max(1, a.frame().length));
                    MemorySegment.copy(MemorySegment.ofArray(a.frame()), 0, datagram, 0, a.frame().length);
                    Underlay.take(batch, datagram, 0, a.frame().length, HOST_B, true);
                } else {
                    MemorySegment read = arena.allocate(Segmenter.VNET_HEADER + a.frame().length);
                    MemorySegment.copy(MemorySegment.ofArray(a.frame()), 0, read, Segmenter.VNET_HEADER, a.frame().length);
                    read.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // NEEDS_CSUM
                    read.set(ValueLayout.JAVA_BYTE, 1, (byte) 1); // GSO_TCPV4
                    read.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) a.mss());
                    read.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) 34);
                    read.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) 16);
                    Segmenter.add(read, (int) read.byteSize(), true, batch, a.port());
                }
                for (int i = before; i < batch.count(); i++) {
                    taken.add(a);
                }
            }
            int n = batch.count();
            new Pipeline(1024).process(batch, tables);
            for (int i = 0; i < n && i < taken.size(); i++) {
                Arrival a = taken.get(i);
                int vni = a.port() != PacketBatch.UNDERLAY ? tables.portVni[a.port()] : a.frame().length >= 8 ? u32(a.frame(), 4) >>> 8 : -1;
                if (batch.verdict[i] == PacketBatch.TO_PORT) {
                    assertThat(tables.portVni[batch.outPort[i]]).as("delivered within its VNI").isEqualTo(vni);
                } else if (batch.verdict[i] == PacketBatch.TO_UNDERLAY) {
                    byte[] out = batch.frame(i); // VXLAN from its header, NVGRE from its outer IPv4 header (the VSID in the GRE key)
                    int carried = batch.encap[i] == dev.weft.fastpath.table.ForwardingTables.NVGRE ? u32(out, 24) >>> 8 : u32(out, 4) >>> 8;
                    assertThat(carried).as("encapsulated with its own VNI").isEqualTo(vni);
                }
                if (batch.gsoSize[i] > 0 && batch.verdict[i] != PacketBatch.DROP && batch.verdict[i] != PacketBatch.TO_UPLINK) {
                    int skip = batch.verdict[i] == PacketBatch.TO_UNDERLAY ? 8 : 0;
                    int segments = batch.segments(i);
                    byte[] payload = payload(batch.frame(i), skip);
                    int first = batch.cut(i, skip); // as the worker cuts it for a VM without TSO, or for VXLAN without the tunnel
                    ByteArrayOutputStream carried = new ByteArrayOutputStream();
                    for (int k = first; k < first + segments; k++) {
                        byte[] segment = batch.frame(k);
                        assertThat(segment.length).as("a segment fits a slot").isLessThanOrEqualTo(PacketBatch.MAX_FRAME);
                        int l3 = skip + 14;
                        assertThat(u16(segment, l3 + 2)).as("its own IPv4 length").isEqualTo(segment.length - l3);
                        assertThat(tcpChecksumOk(segment, l3)).as("its TCP checksum").isTrue();
                        carried.writeBytes(payload(segment, skip));
                    }
                    if (!a.damaged()) {
                        assertThat(carried.toByteArray()).as("the payload, whole and in order").isEqualTo(payload);
                    }
                }
            }
        }
    }

    /** A VM's UDP segmentation-offload frame: a UDP datagram of 1–65,000 bytes of payload, maybe damaged, and its datagram size. */
    record UsoFrame(byte[] frame, int size, boolean damaged) {
    }

    @Provide
    Arbitrary<List<UsoFrame>> usoFrames() {
        Arbitrary<byte[]> udp = Combinators.combine(Arbitraries.of(WEB2_MAC, ForwardingTables.ROUTER_MAC, WEB1_MAC),
                        Arbitraries.of(ip("10.1.1.5"), ip("10.1.2.5"), ip("10.1.1.1"), ip("10.9.9.9")),
                        Arbitraries.integers().between(1, 65000), Arbitraries.integers().between(0, 255))
                .as((dstMac, dst, bytes, fill) -> {
                    byte[] payload = new byte[bytes];
                    for (int k = 0; k < bytes; k++) {
                        payload[k] = (byte) (fill + k * 31);
                    }
                    return Probe.frame(WEB1_MAC, dstMac, ip("10.1.1.4"), dst, Probe.Protocol.udp, 40000, 4433, payload);
                });
        Arbitrary<Integer> size = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 2100)),
                net.jqwik.api.Tuple.of(4, Arbitraries.of(500, 1200, 1252, 1452, 1472)));
        return Combinators.combine(damaged(udp), size).as((d, n) -> new UsoFrame(d.frame(), n, d.damaged())).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 300)
    void usoFramesFromAVmBecomeGoodDatagramsOrNothingWhateverTheyCarryAndStayInTheirNetwork(@ForAll("usoFrames") List<UsoFrame> frames) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1); Arena arena = Arena.ofConfined()) {
            List<UsoFrame> taken = new ArrayList<>();
            for (UsoFrame u : frames) {
                MemorySegment read = arena.allocate(Segmenter.VNET_HEADER + u.frame().length);
                MemorySegment.copy(MemorySegment.ofArray(u.frame()), 0, read, Segmenter.VNET_HEADER, u.frame().length);
                dev.weft.fastpath.io.GsoRun.udpNetHeader(read, 42, u.size(), 34);
                int before = batch.count();
                int room = batch.room();
                int added = Segmenter.add(read, (int) read.byteSize(), true, batch, WEB1);
                assertThat(batch.count() - before).as("all of its datagrams or none").isEqualTo(Math.max(0, added));
                byte[] payload = Arrays.copyOfRange(u.frame(), Math.min(42, u.frame().length), u.frame().length);
                ByteArrayOutputStream carried = new ByteArrayOutputStream();
                List<Integer> datagramsAdded = new ArrayList<>();
                int end = batch.count();
                for (int i = before; i < end; i++) { // a frame taken whole is cut here, as it would be where it must leave as datagrams
                    int first = batch.gsoSize[i] > 0 ? batch.cut(i, 0) : i;
                    for (int k = first; k < (first == i ? i + 1 : batch.count()); k++) {
                        datagramsAdded.add(k);
                    }
                }
                for (int i : datagramsAdded) {
                    byte[] d = batch.frame(i);
                    int l4 = 14 + (d[14] & 0x0f) * 4;
                    assertThat(d.length).isLessThanOrEqualTo(PacketBatch.MAX_FRAME);
                    assertThat(u16(d, 16)).as("its own IPv4 length").isEqualTo(d.length - 14);
                    assertThat(u16(d, l4 + 4)).as("its own UDP length").isEqualTo(d.length - l4);
                    assertThat(udpChecksumOk(d, l4)).as("its IPv4 and UDP checksums").isTrue();
                    carried.writeBytes(Arrays.copyOfRange(d, l4 + 8, d.length));
                    taken.add(u);
                }
                int datagrams = u.size() == 0 ? 0 : (payload.length + u.size() - 1) / u.size();
                if (!u.damaged() && u.size() > 0 && 42 + u.size() <= PacketBatch.MAX_FRAME && datagrams <= 128 && datagrams <= room) {
                    boolean whole = datagrams > 1 && room > datagrams && u.frame().length <= PacketBatch.MAX_GSO_FRAME;
                    assertThat(added).as("an undamaged frame that fits: one GSO frame, or every datagram").isEqualTo(whole ? 1 : datagrams);
                    assertThat(datagramsAdded).hasSize(datagrams);
                    assertThat(carried.toByteArray()).as("the payload, whole and in order").isEqualTo(payload);
                }
            }
            int n = batch.count();
            new Pipeline(1024).process(batch, tables);
            for (int i = 0; i < n; i++) {
                if (batch.verdict[i] == PacketBatch.TO_PORT) {
                    assertThat(tables.portVni[batch.outPort[i]]).as("delivered within its VNI").isEqualTo(tables.portVni[WEB1]);
                } else if (batch.verdict[i] == PacketBatch.TO_UNDERLAY) {
                    assertThat(u32(batch.frame(i), 4) >>> 8).as("encapsulated with its own VNI").isEqualTo(tables.portVni[WEB1]);
                }
            }
        }
    }

    /**
     * A VXLAN datagram carrying a USO frame whole (as another host's tunnel device sends one), maybe damaged, the datagram
     * size the kernel reports with it, and its sender: host-b, or an address outside the fleet.
     */
    record WholeUso(byte[] datagram, int size, boolean damaged, int sender) {
    }

    @Provide
    Arbitrary<List<WholeUso>> wholeUsoFrames() {
        Arbitrary<byte[]> udp = Combinators.combine(Arbitraries.of(5001, 5002, 7777), Arbitraries.of(WEB1_MAC, DB2_MAC, APP1_MAC),
                        Arbitraries.of(ip("10.1.1.4"), ip("10.1.2.5")), Arbitraries.integers().between(1, 65000), Arbitraries.integers().between(0, 255))
                .as((vni, dstMac, dst, bytes, fill) -> {
                    byte[] payload = new byte[bytes];
                    for (int k = 0; k < bytes; k++) {
                        payload[k] = (byte) (fill + k * 7);
                    }
                    return Frames.vxlan(vni, Probe.frame(WEB2_MAC, dstMac, ip("10.1.1.5"), dst, Probe.Protocol.udp, 4433, 40000, payload));
                });
        Arbitrary<Integer> size = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 70000)),
                net.jqwik.api.Tuple.of(4, Arbitraries.of(100, 1200, 1452, 1472)));
        Arbitrary<Integer> sender = Arbitraries.of(HOST_B, HOST_B, HOST_B, ip("198.18.0.99"));
        return Combinators.combine(damaged(udp), size, sender).as((d, n, from) -> new WholeUso(d.frame(), n, d.damaged(), from))
                .list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 300)
    void wholeUsoFramesFromTheUnderlayBecomeGoodDatagramsOrNothingAndStayInTheirNetwork(@ForAll("wholeUsoFrames") List<WholeUso> frames) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1); Arena arena = Arena.ofConfined()) {
            List<WholeUso> taken = new ArrayList<>();
            for (WholeUso u : frames) {
                int length = u.datagram().length;
                MemorySegment buffer = arena.allocate(length);
                MemorySegment.copy(MemorySegment.ofArray(u.datagram()), 0, buffer, 0, length);
                int before = batch.count();
                if (u.size() < length && Underlay.wholeUdp(buffer, length)) { // as the underlay's receive decides it
                    Underlay.takeWholeUdp(batch, buffer, length, u.size(), u.sender());
                }
                assertThat(batch.count() - before).as("one frame or none").isLessThanOrEqualTo(1);
                if (batch.count() > before) {
                    taken.add(u);
                    assertThat(batch.gsoSize[before]).isEqualTo(u.size());
                }
            }
            int n = batch.count();
            new Pipeline(1024).process(batch, tables);
            for (int i = 0; i < n; i++) {
                WholeUso u = taken.get(i);
                int vni = u32(u.datagram(), 4) >>> 8;
                if (u.sender() != HOST_B) {
                    assertThat(batch.verdict[i]).as("nothing from outside the fleet gets in").isEqualTo(PacketBatch.DROP);
                }
                if (batch.verdict[i] == PacketBatch.TO_PORT) {
                    assertThat(tables.portVni[batch.outPort[i]]).as("delivered within its VNI").isEqualTo(vni);
                }
                if (batch.gsoSize[i] > 0 && batch.verdict[i] != PacketBatch.DROP) {
                    int segments = batch.segments(i);
                    byte[] whole = batch.frame(i);
                    int first = batch.cut(i, 0); // as the worker cuts it for a VM that takes no coalesced UDP
                    ByteArrayOutputStream carried = new ByteArrayOutputStream();
                    for (int k = first; k < first + segments; k++) {
                        byte[] d = batch.frame(k);
                        int l4 = 14 + (d[14] & 0x0f) * 4;
                        assertThat(d.length).as("a datagram fits a slot").isLessThanOrEqualTo(PacketBatch.MAX_FRAME);
                        assertThat(u16(d, 16)).as("its own IPv4 length").isEqualTo(d.length - 14);
                        assertThat(u16(d, l4 + 4)).as("its own UDP length").isEqualTo(d.length - l4);
                        assertThat(udpChecksumOk(d, l4)).as("its IPv4 and UDP checksums").isTrue();
                        carried.writeBytes(Arrays.copyOfRange(d, l4 + 8, d.length));
                    }
                    if (!u.damaged()) {
                        int l4 = 14 + (whole[14] & 0x0f) * 4;
                        assertThat(carried.toByteArray()).as("the payload, whole and in order").isEqualTo(Arrays.copyOfRange(whole, l4 + 8, whole.length));
                    }
                }
            }
        }
    }

    /** Whether the IPv4 header at 14 and the UDP datagram at {@code l4} have good checksums. */
    private static boolean udpChecksumOk(byte[] f, int l4) {
        long ip = 0;
        for (int k = 14; k < l4; k += 2) {
            ip += u16(f, k);
        }
        int udpLength = f.length - l4;
        long sum = u16(f, 26) + u16(f, 28) + u16(f, 30) + u16(f, 32) + 17 + udpLength;
        for (int k = 0; k < udpLength; k += 2) {
            sum += k + 1 < udpLength ? u16(f, l4 + k) : (f[l4 + k] & 0xff) << 8;
        }
        return fold(ip) == 0xffff && fold(sum) == 0xffff;
    }

    private static long fold(long sum) {
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    /** The TCP payload of the IPv4 frame after {@code skip} bytes (and Ethernet). */
    private static byte[] payload(byte[] frame, int skip) {
        int l3 = skip + 14;
        int l4 = l3 + (frame[l3] & 0x0f) * 4;
        int data = l4 + ((frame[l4 + 12] & 0xff) >>> 4) * 4;
        return Arrays.copyOfRange(frame, Math.min(data, frame.length), Math.min(frame.length, l3 + u16(frame, l3 + 2)));
    }

    private static boolean tcpChecksumOk(byte[] f, int l3) {
        int l4 = l3 + (f[l3] & 0x0f) * 4;
        int tcpLength = u16(f, l3 + 2) - (l4 - l3);
        long sum = u16(f, l3 + 12) + u16(f, l3 + 14) + u16(f, l3 + 16) + u16(f, l3 + 18) + 6 + tcpLength;
        for (int k = 0; k < tcpLength; k += 2) {
            sum += k + 1 < tcpLength ? u16(f, l4 + k) : (f[l4 + k] & 0xff) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }
}

package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.Nat;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.trace.Probe;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Address and port translation with incremental checksums, against a reference computed from scratch. */
class NatProperties {

    private static byte[] frame(Probe.Protocol protocol, int src, int dst, int srcPort, int dstPort, byte[] payload) {
        return Checksums.withL4(Probe.frame(0x0200_0000_0001L, 0x0200_0000_0002L, src, dst, protocol, srcPort, dstPort, payload));
    }

    @Property(tries = 400)
    void translatingTheSourceThenBackGivesTheOriginalFrameAndEveryStepVerifies(
            @ForAll Probe.Protocol protocol, @ForAll int src, @ForAll int dst, @ForAll @IntRange(max = 65535) int srcPort,
            @ForAll @IntRange(max = 65535) int dstPort, @ForAll int address, @ForAll @IntRange(max = 65535) int port,
            @ForAll byte[] payload) {
        byte[] original = frame(protocol, src, dst, srcPort, dstPort, payload.length > 200 ? java.util.Arrays.copyOf(payload, 200) : payload);
        try (PacketBatch b = new PacketBatch()) {
            int i = b.add(original, 0);
            assertThat(Parser.parse(b, i)).isEqualTo(Parser.IPV4);
            Nat.source(b, i, address, port);
            byte[] translated = b.frame(i);
            assertThat(Checksums.valid(translated)).isTrue();
            assertThat(Frames.u32(translated, 26)).isEqualTo(address);
            assertThat(Frames.u16(translated, protocol == Probe.Protocol.icmp ? 38 : 34)).isEqualTo(port);
            Nat.source(b, i, src, srcPort);
            byte[] back = b.frame(i);
            if (protocol == Probe.Protocol.udp && Frames.u16(original, 40) == 0xffff) {
                back[40] = original[40]; // 0xffff and 0 are the same sum; a UDP sender's 0 means "none"
                back[41] = original[41];
            }
            assertThat(Checksums.valid(back)).isTrue();
            assertThat(back).isEqualTo(original);
        }
    }

    @Property(tries = 400)
    void translatingTheDestinationVerifiesToo(@ForAll Probe.Protocol protocol, @ForAll int src, @ForAll int dst,
                                             @ForAll @IntRange(max = 65535) int srcPort, @ForAll @IntRange(max = 65535) int dstPort,
                                             @ForAll int address, @ForAll @IntRange(max = 65535) int port) {
        byte[] original = frame(protocol, src, dst, srcPort, dstPort, new byte[24]);
        try (PacketBatch b = new PacketBatch()) {
            int i = b.add(original, 0);
            Parser.parse(b, i);
            Nat.destination(b, i, address, port);
            byte[] translated = b.frame(i);
            assertThat(Checksums.valid(translated)).isTrue();
            assertThat(Frames.u32(translated, 30)).isEqualTo(address);
            assertThat(Frames.u16(translated, protocol == Probe.Protocol.icmp ? 38 : 36)).isEqualTo(port);
        }
    }
}

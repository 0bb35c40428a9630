package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.GsoRun;
import dev.weft.fastpath.packet.PacketBatch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Which UDP datagrams {@link GsoRun} writes to a VM as one {@code GSO_UDP_L4} frame: one flow's, to one port, that the
 * VM's stack can cut back into the very datagrams; and the frame's headers. (The real kernel cutting it: TapDeviceTest.)
 */
class UdpRunTest {

    static final int WEB1 = Frames.ip("10.1.1.4");
    static final int WEB2 = Frames.ip("10.1.1.5");

    /** One datagram web-1:4000 → web-2:5555 with {@code payload} bytes and a right checksum, changed by {@code edit}, added to the batch for port 0. */
    static void add(PacketBatch batch, int payload, Consumer<byte[]> edit) {
        byte[] f = Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, WEB1, WEB2, 4000, 5555, payload);
        edit.accept(f);
        VhostPortOffloadTest.bound(batch, batch.add(Checksums.withL4(f), 0));
    }

    /** Changes a payload byte of frame {@code i}, so its UDP checksum is wrong. */
    static void corrupt(PacketBatch batch, int i) {
        long at = batch.start[i] + 60;
        batch.memory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, (byte) ~batch.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, at));
    }

    static int run(PacketBatch batch, int from) {
        return GsoRun.form(batch, from, batch.count(), new int[GsoRun.MAX_RUN], true);
    }

    @Test
    void oneFlowsDatagramsOfOneSizeFormARunTheLastMayBeShorter() {
        try (PacketBatch b = new PacketBatch()) {
            for (int k = 0; k < 10; k++) {
                add(b, k < 9 ? 100 : 40, f -> { });
            }
            add(b, 100, f -> { });
            assertThat(run(b, 0)).as("ten datagrams; the eleventh is longer than the tenth").isEqualTo(10);
            assertThat(GsoRun.form(b, 0, new int[GsoRun.MAX_RUN])).as("without USO, one by one").isEqualTo(1);
        }
    }

    @Test
    void aRunEndsWhereADatagramCouldNotBeCutBackAsItCame() {
        record Case(String what, Consumer<byte[]> edit) {
        }
        Case[] breaks = {
            new Case("another destination port", f -> f[37] = 1),
            new Case("a wrong UDP checksum", null), // the payload changed after the checksum was made
            new Case("another TTL", f -> f[22] = 63),
            new Case("another TOS", f -> f[15] = 0x10),
            new Case("no DF", f -> f[20] = 0),
            new Case("a UDP length shorter than the datagram", f -> f[39] -= 1),
            new Case("a fragment", f -> f[20] = 0x20), // more fragments
        };
        for (Case c : breaks) {
            try (PacketBatch b = new PacketBatch()) {
                add(b, 100, f -> { });
                add(b, 100, f -> { });
                add(b, 100, c.edit == null ? f -> { } : c.edit);
                if (c.edit == null) {
                    corrupt(b, 2);
                }
                add(b, 100, f -> { });
                assertThat(run(b, 0)).as(c.what).isEqualTo(2);
            }
        }
        try (PacketBatch b = new PacketBatch()) {
            add(b, 100, f -> { });
            corrupt(b, 0);
            add(b, 100, f -> { });
            assertThat(run(b, 0)).as("a first datagram with a wrong checksum goes alone").isEqualTo(1);
            assertThat(run(b, 1)).isEqualTo(1);
        }
        try (PacketBatch b = new PacketBatch()) {
            add(b, 10, f -> { });
            byte[] padded = java.util.Arrays.copyOf(Checksums.withL4(Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, WEB1, WEB2, 4000, 5555, 10)), 60);
            VhostPortOffloadTest.bound(b, b.add(padded, 0));
            assertThat(run(b, 0)).as("a frame longer than its IPv4 packet (Ethernet padding) goes alone").isEqualTo(1);
        }
    }

    @Test
    void datagramsWithoutAChecksumJoinARun() {
        try (PacketBatch b = new PacketBatch()) {
            for (int k = 0; k < 3; k++) {
                byte[] f = Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, WEB1, WEB2, 4000, 5555, 100); // checksum 0: none
                VhostPortOffloadTest.bound(b, b.add(f, 0));
            }
            assertThat(run(b, 0)).isEqualTo(3);
        }
    }

    @Test
    void theRunsFrameCarriesItsLengthsAPartialChecksumAndAUsoHeader() {
        try (PacketBatch b = new PacketBatch(); Arena arena = Arena.ofConfined()) {
            add(b, 100, f -> { });
            add(b, 100, f -> { });
            add(b, 30, f -> { });
            int[] run = new int[GsoRun.MAX_RUN];
            assertThat(GsoRun.form(b, 0, b.count(), run, true)).isEqualTo(3);
            MemorySegment out = arena.allocate(256);
            int headers = GsoRun.header(b, run, 0, 3, out, 10);
            assertThat(headers).as("Ethernet, IPv4, UDP").isEqualTo(42);
            byte[] h = out.asSlice(0, 10 + headers).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertThat(h[0]).as("NEEDS_CSUM").isEqualTo((byte) 1);
            assertThat(h[1]).as("GSO_UDP_L4").isEqualTo((byte) 5);
            assertThat(VhostPortOffloadTest.le16(h, 2)).as("hdr_len").isEqualTo(42);
            assertThat(VhostPortOffloadTest.le16(h, 4)).as("gso_size: the first datagram's payload").isEqualTo(100);
            assertThat(VhostPortOffloadTest.le16(h, 6)).as("csum_start: UDP").isEqualTo(34);
            assertThat(VhostPortOffloadTest.le16(h, 8)).as("csum_offset").isEqualTo(6);
            byte[] f = java.util.Arrays.copyOfRange(h, 10, h.length);
            assertThat(Frames.u16(f, 16)).as("IPv4 total length").isEqualTo(20 + 8 + 230);
            assertThat(Frames.checksumOk(f, 14)).isTrue();
            assertThat(Frames.u16(f, 38)).as("UDP length").isEqualTo(8 + 230);
            int pseudo = Checksums.sum(f, 26, 34, 17 + 8 + 230);
            assertThat(Frames.u16(f, 40)).as("the pseudo-header's sum, for the VM to finish").isEqualTo(pseudo);
        }
    }
}

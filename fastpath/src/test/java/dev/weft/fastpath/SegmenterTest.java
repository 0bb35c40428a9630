package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.Segmenter;
import dev.weft.fastpath.packet.PacketBatch;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** TCP segmentation offload and checksum offload, as a VM hands frames to a TAP device with a virtio-net header. */
class SegmenterTest {

    /** A virtio-net header, then Ethernet/IPv4/TCP with {@code payload} bytes; the TCP checksum field holds the pseudo-header sum. */
    static byte[] tsoFrame(int payload, int mss, int flags, int gsoType) {
        ByteBuffer b = ByteBuffer.allocate(10 + 14 + 20 + 20 + payload);
        b.put((byte) 1).put((byte) gsoType);                         // NEEDS_CSUM, GSO type
        b.put((byte) 54).put((byte) 0);                              // hdr_len (little-endian)
        b.put((byte) (mss & 0xff)).put((byte) (mss >>> 8));          // gso_size
        b.put((byte) 34).put((byte) 0).put((byte) 16).put((byte) 0); // csum_start 34, csum_offset 16
        b.putShort((short) 0x0200).putInt(0x0a010105).putShort((short) 0x0200).putInt(0x0a010104).putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 100).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(ip("10.1.1.4")).putInt(ip("10.1.1.5"));
        b.putShort((short) 40000).putShort((short) 5201).putInt(1_000_000).putInt(7).put((byte) 0x50).put((byte) (0x10 | flags))
                .putShort((short) 64000);
        int pseudo = (ip("10.1.1.4") >>> 16) + (ip("10.1.1.4") & 0xffff) + (ip("10.1.1.5") >>> 16) + (ip("10.1.1.5") & 0xffff) + 6
                + (gsoType == 0 ? 20 + payload : 0);
        pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
        b.putShort((short) pseudo).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static boolean tcpChecksumOk(byte[] f) {
        int tcpLength = u16(f, 16) - 20;
        long sum = (u32(f, 26) >>> 16) + (u32(f, 26) & 0xffff) + (u32(f, 30) >>> 16) + (u32(f, 30) & 0xffff) + 6 + tcpLength;
        for (int i = 34; i < 34 + tcpLength; i += 2) {
            sum += i + 1 < 34 + tcpLength ? u16(f, i) : (f[i] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }

    /**
     * A segment's TCP checksum is computed where it leaves, from its headers as they are then: after a rewrite that didn't
     * touch it (as NAT's incremental update of a checksum not yet computed), over the payload where it was read.
     */
    @Test
    void aFrameReadIntoTheBatchsBufferStaysOneGsoFrameUntilItIsCutWithChecksumsFromTheHeadersAsTheyAreThen() {
        byte[] tso = tsoFrame(10_000, 1448, 0x08 | 0x01, 1); // PSH and FIN on the super-frame
        try (PacketBatch batch = new PacketBatch()) {
            MemorySegment read = batch.buffer(); // as a TAP device reads into
            MemorySegment.copy(MemorySegment.ofArray(tso), 0, read, 0, tso.length);
            assertThat(Segmenter.add(read, tso.length, true, batch, 0)).as("one frame, not cut").isEqualTo(1);
            assertThat(batch.gsoSize[0]).isEqualTo(1448);
            assertThat(batch.length[0]).isEqualTo(54 + 10_000);
            assertThat(batch.inline(0)).as("its headers in the slot, its payload where it was read").isEqualTo(54);
            assertThat(batch.segments(0)).isEqualTo(7);
            assertThat(batch.room()).as("its segments' slots are held").isEqualTo(PacketBatch.CAPACITY - 1 - 7);
            dev.weft.fastpath.packet.Bytes.u32(batch.memory(), batch.start[0] + 30, Frames.ip("203.0.113.9")); // a new destination
            byte[] mirrored = new byte[2048];
            int mirroredLength = batch.copySegment(0, 6, MemorySegment.ofArray(mirrored), 0);

            int first = batch.cut(0, 0);
            assertThat(first).isEqualTo(1);
            assertThat(batch.count()).isEqualTo(8);
            assertThat(batch.verdict[0]).as("the GSO frame gives way to its segments").isEqualTo(PacketBatch.DROP);
            long payload = 0;
            for (int i = first; i < first + 7; i++) {
                assertThat(batch.tail[i]).as("the payload stays in the buffer").isNotNull();
                assertThat(batch.checksumPending[i]).as("not computed while cutting").isTrue();
                batch.completeChecksum(i);
                byte[] f = batch.frame(i);
                int size = f.length - 54;
                int k = i - first;
                assertThat(size).isEqualTo(k < 6 ? 1448 : 10_000 - 6 * 1448);
                assertThat(u16(f, 16)).isEqualTo(40 + size);              // IPv4 total length
                assertThat(u16(f, 18)).isEqualTo(100 + k);                // identification
                assertThat(checksumOk(f, 14)).isTrue();
                assertThat(u32(f, 30)).isEqualTo(Frames.ip("203.0.113.9"));
                assertThat(u32(f, 38)).isEqualTo(1_000_000 + k * 1448);   // sequence number
                assertThat(f[47] & 0x09).isEqualTo(k == 6 ? 0x09 : 0);    // PSH, FIN only on the last
                assertThat(tcpChecksumOk(f)).as("segment %d, with its new destination", k).isTrue();
                for (int j = 0; j < size; j++) {
                    assertThat(f[54 + j]).isEqualTo((byte) ((payload + j) * 7));
                }
                payload += size;
                if (k == 6) {
                    assertThat(java.util.Arrays.copyOf(mirrored, mirroredLength)).as("a mirror's copy of the last segment").isEqualTo(f);
                }
            }
        }
    }

    @Test
    void aTsoFrameBecomesMssSizedSegmentsWithTheirOwnHeadersAndChecksums() {
        byte[] tso = tsoFrame(10_000, 1448, 0x08 | 0x01, 1); // PSH and FIN on the super-frame
        try (PacketBatch batch = new PacketBatch()) {
            int added = Segmenter.add(MemorySegment.ofArray(tso), tso.length, batch, 0);
            assertThat(added).isEqualTo(7); // 6 × 1448 + 1312
            long payload = 0;
            for (int i = 0; i < added; i++) {
                byte[] f = batch.frame(i);
                int size = f.length - 54;
                assertThat(size).isEqualTo(i < 6 ? 1448 : 10_000 - 6 * 1448);
                assertThat(u16(f, 16)).isEqualTo(40 + size);              // IPv4 total length
                assertThat(u16(f, 18)).isEqualTo(100 + i);                // identification
                assertThat(checksumOk(f, 14)).isTrue();
                assertThat(u32(f, 38)).isEqualTo(1_000_000 + i * 1448);   // sequence number
                int flags = f[47] & 0xff;
                assertThat(flags & 0x09).isEqualTo(i == 6 ? 0x09 : 0);    // PSH, FIN only on the last
                assertThat(tcpChecksumOk(f)).as("segment %d", i).isTrue();
                for (int k = 0; k < size; k++) {
                    assertThat(f[54 + k]).isEqualTo((byte) ((payload + k) * 7));
                }
                payload += size;
            }
        }
    }

    /**
     * A virtio-net header for UDP segmentation offload ({@code gsoType} 5, datagrams of {@code size} bytes), then
     * Ethernet/IPv4/UDP with {@code payload} bytes: what a VM's kernel hands over for one {@code UDP_SEGMENT} send (the
     * lengths those of the whole, the UDP checksum field the pseudo-header's sum).
     */
    static byte[] usoFrame(int payload, int size, int gsoType, int protocol) {
        byte[] udp = Frames.udp(0x0200_0a01_0104L, 0x0200_0a01_0105L, ip("10.1.1.4"), ip("10.1.1.5"), 40000, 4433, payload);
        udp[23] = (byte) protocol;
        ByteBuffer b = ByteBuffer.allocate(10 + udp.length);
        b.put((byte) 1).put((byte) gsoType).put((byte) 42).put((byte) 0).put((byte) (size & 0xff)).put((byte) (size >>> 8))
                .put((byte) 34).put((byte) 0).put((byte) 6).put((byte) 0);
        b.put(udp);
        byte[] f = b.array();
        for (int i = 0; i < payload; i++) {
            f[10 + 42 + i] = (byte) (i * 13);
        }
        return f;
    }

    @Test
    void aUsoFrameBecomesItsDatagramsEachWithItsOwnLengthsIdentificationAndChecksums() {
        byte[] uso = usoFrame(5_000, 1_200, 5, 17);
        try (PacketBatch batch = new PacketBatch()) {
            int added = Segmenter.add(MemorySegment.ofArray(uso), uso.length, batch, 3);
            assertThat(added).isEqualTo(5); // 4 × 1200 + 200
            int id = u16(uso, 10 + 18);
            long payload = 0;
            for (int i = 0; i < added; i++) {
                byte[] f = batch.frame(i);
                int size = f.length - 42;
                assertThat(size).isEqualTo(i < 4 ? 1_200 : 200);
                assertThat(batch.inPort[i]).isEqualTo(3);
                assertThat(u16(f, 16)).as("IPv4 total length").isEqualTo(28 + size);
                assertThat(u16(f, 18)).as("identification").isEqualTo((id + i) & 0xffff);
                assertThat(u16(f, 38)).as("UDP length").isEqualTo(8 + size);
                assertThat(u16(f, 34)).isEqualTo(40000);
                assertThat(u16(f, 36)).isEqualTo(4433);
                assertThat(Checksums.valid(f)).as("datagram %d's IPv4 and UDP checksums", i).isTrue();
                for (int k = 0; k < size; k++) {
                    assertThat(f[42 + k]).isEqualTo((byte) ((payload + k) * 13));
                }
                payload += size;
            }
        }
    }

    @Test
    void usoFramesThatCantBeCutIntoIpv4DatagramsAreRefusedWholeAndTakeNoSlot() {
        try (PacketBatch batch = new PacketBatch()) {
            byte[] notUdp = usoFrame(3_000, 1_000, 5, 6);
            assertThat(Segmenter.add(MemorySegment.ofArray(notUdp), notUdp.length, batch, 0)).as("USO over TCP").isEqualTo(-1);
            byte[] noSize = usoFrame(3_000, 0, 5, 17);
            assertThat(Segmenter.add(MemorySegment.ofArray(noSize), noSize.length, batch, 0)).as("no datagram size").isEqualTo(-1);
            byte[] tooMany = usoFrame(1_290, 10, 5, 17);
            assertThat(Segmenter.add(MemorySegment.ofArray(tooMany), tooMany.length, batch, 0)).as("129 datagrams").isEqualTo(-1);
            byte[] tooLarge = usoFrame(20_000, 9_000, 5, 17);
            assertThat(Segmenter.add(MemorySegment.ofArray(tooLarge), tooLarge.length, batch, 0)).as("datagrams larger than a slot").isEqualTo(-1);
            byte[] ipv6 = usoFrame(3_000, 1_000, 5, 17);
            ipv6[10 + 12] = (byte) 0x86;
            ipv6[10 + 13] = (byte) 0xdd;
            assertThat(Segmenter.add(MemorySegment.ofArray(ipv6), ipv6.length, batch, 0)).as("not IPv4").isEqualTo(-1);
            byte[] headersOnly = java.util.Arrays.copyOf(usoFrame(3_000, 1_000, 5, 17), 10 + 42);
            assertThat(Segmenter.add(MemorySegment.ofArray(headersOnly), headersOnly.length, batch, 0)).as("no payload").isEqualTo(-1);
            assertThat(batch.count()).isZero();

            byte[] fits = usoFrame(128 * 100, 100, 5, 17);
            assertThat(Segmenter.slots(MemorySegment.ofArray(fits), fits.length)).isEqualTo(128);
            assertThat(Segmenter.add(MemorySegment.ofArray(fits), fits.length, batch, 0)).as("128 datagrams").isEqualTo(128);
            assertThat(Segmenter.add(MemorySegment.ofArray(fits), fits.length, batch, 0)).as("and again: the last 128 slots").isEqualTo(128);
            assertThat(Segmenter.add(MemorySegment.ofArray(fits), fits.length, batch, 0)).as("a full batch").isEqualTo(-1);
            assertThat(batch.count()).isEqualTo(256);
        }
    }

    @Test
    void aReaderKeepsRoomForEveryDatagramOfAUsoFrameAndForTheSegmentsOfAnyOther() {
        byte[] uso = usoFrame(5_000, 1_200, 5, 17);
        assertThat(Segmenter.slots(MemorySegment.ofArray(uso), uso.length)).isEqualTo(Segmenter.MAX_SEGMENTS);
        byte[] small = usoFrame(6_000, 60, 5, 17);
        assertThat(Segmenter.slots(MemorySegment.ofArray(small), small.length)).isEqualTo(101);
        byte[] tso = tsoFrame(10_000, 100, 0, 1);
        assertThat(Segmenter.slots(MemorySegment.ofArray(tso), tso.length)).isEqualTo(Segmenter.MAX_SEGMENTS);
    }

    @Test
    void aPartialChecksumIsCompleted() {
        byte[] frame = tsoFrame(300, 0, 0, 0);
        try (PacketBatch batch = new PacketBatch()) {
            assertThat(Segmenter.add(MemorySegment.ofArray(frame), frame.length, batch, 0)).isEqualTo(1);
            assertThat(tcpChecksumOk(batch.frame(0))).isTrue();
        }
    }

    @Test
    void malformedHeadersAreRefused() {
        try (PacketBatch batch = new PacketBatch()) {
            byte[] udpGso = tsoFrame(3000, 1000, 0, 3);
            assertThat(Segmenter.add(MemorySegment.ofArray(udpGso), udpGso.length, batch, 0)).isEqualTo(-1);
            byte[] badOffset = tsoFrame(100, 0, 0, 0);
            badOffset[6] = (byte) 0xff;
            assertThat(Segmenter.add(MemorySegment.ofArray(badOffset), badOffset.length, batch, 0)).isEqualTo(-1);
            assertThat(Segmenter.add(MemorySegment.ofArray(new byte[12]), 12, batch, 0)).isEqualTo(-1);
            assertThat(batch.count()).isZero();
        }
    }
}

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

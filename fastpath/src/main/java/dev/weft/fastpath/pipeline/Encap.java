package dev.weft.fastpath.pipeline;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;

/**
 * VXLAN (RFC 7348) and NVGRE (RFC 7637) encapsulation into the frame's headroom, and decapsulation.
 * Outer headers: Ethernet, IPv4 (checksum computed, DF set, TTL 64), then UDP to port 4789 with a source
 * port from the inner flow hash (49152–65535) and a zero UDP checksum, or GRE with the Transparent
 * Ethernet Bridging type and key = VSID << 8 | flow id.
 */
public final class Encap {

    public static final int VXLAN_PORT = 4789;
    public static final int VXLAN_OVERHEAD = 14 + 20 + 8 + 8;
    public static final int NVGRE_OVERHEAD = 14 + 20 + 8;

    private Encap() {
    }

    /** Prepends the outer headers to frame {@code i}, which then starts at the outer Ethernet header. */
    public static void encapsulate(PacketBatch b, int i, ForwardingTables t, int encap, int vni, int destination) {
        MemorySegment m = b.memory();
        int inner = b.length[i];
        int overhead = encap == ForwardingTables.NVGRE ? NVGRE_OVERHEAD : VXLAN_OVERHEAD;
        long s = b.start[i] - overhead;
        Bytes.mac(m, s, t.underlayNextHopMac);
        Bytes.mac(m, s + 6, t.localUnderlayMac);
        Bytes.u16(m, s + 12, 0x0800);
        long ip = s + 14;
        int total = overhead - 14 + inner;
        int protocol = encap == ForwardingTables.NVGRE ? 47 : 17;
        int source = t.localUnderlay;
        // The outer checksum from the header's words directly, without reading them back.
        long sum = 0x4500L + total + 0x4000 + (64 << 8 | protocol)
                + (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff);
        Bytes.u32(m, ip, 0x4500_0000 | total);
        Bytes.u32(m, ip + 4, 0x0000_4000); // identification 0, don't fragment
        Bytes.u32(m, ip + 8, (64 << 24) | (protocol << 16) | Checksum.finish(sum));
        Bytes.u32(m, ip + 12, source);
        Bytes.u32(m, ip + 16, destination);
        long l4 = ip + 20;
        if (encap == ForwardingTables.NVGRE) {
            Bytes.u16(m, l4, 0x2000); // key present, version 0
            Bytes.u16(m, l4 + 2, 0x6558); // transparent Ethernet bridging
            Bytes.u32(m, l4 + 4, (vni << 8) | (b.hash[i] & 0xff));
        } else {
            Bytes.u16(m, l4, 49152 | (b.hash[i] & 0x3fff));
            Bytes.u16(m, l4 + 2, VXLAN_PORT);
            Bytes.u16(m, l4 + 4, 8 + 8 + inner);
            Bytes.u16(m, l4 + 6, 0);
            Bytes.u32(m, l4 + 8, 0x0800_0000); // I flag: the VNI is valid
            Bytes.u32(m, l4 + 12, vni << 8);
        }
        b.start[i] = (int) s;
        b.length[i] = overhead + inner;
    }

    /**
     * Strips the outer headers of an underlay frame: sets its VNI and leaves it starting at the inner
     * Ethernet header. Returns 0, or the {@link DropReason} ordinal of a frame that is not VXLAN or NVGRE.
     */
    public static int decapsulate(PacketBatch b, int i) {
        MemorySegment m = b.memory();
        long s = b.start[i];
        int len = b.length[i];
        if (len < NVGRE_OVERHEAD + 14) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (Bytes.u16(m, s + 12) != 0x0800) {
            return DropReason.BAD_ENCAPSULATION.ordinal();
        }
        long ip = s + 14;
        int versionIhl = Bytes.u8(m, ip);
        int ihl = (versionIhl & 0x0f) * 4;
        if ((versionIhl >>> 4) != 4 || ihl < 20 || 14 + ihl + 8 > len) {
            return DropReason.BAD_ENCAPSULATION.ordinal();
        }
        int total = Bytes.u16(m, ip + 2);
        if (total < ihl + 8 || 14 + total > len || (Bytes.u16(m, ip + 6) & 0x3fff) != 0) {
            return DropReason.BAD_ENCAPSULATION.ordinal();
        }
        long l4 = ip + ihl;
        int protocol = Bytes.u8(m, ip + 9);
        int header;
        int vni;
        if (protocol == 17) {
            if (Bytes.u16(m, l4 + 2) != VXLAN_PORT || total < ihl + 16 || (Bytes.u32(m, l4 + 8) & 0x0800_0000) == 0) {
                return DropReason.BAD_ENCAPSULATION.ordinal();
            }
            vni = Bytes.u32(m, l4 + 12) >>> 8;
            header = 16;
        } else if (protocol == 47) {
            if (Bytes.u16(m, l4) != 0x2000 || Bytes.u16(m, l4 + 2) != 0x6558) {
                return DropReason.BAD_ENCAPSULATION.ordinal();
            }
            vni = Bytes.u32(m, l4 + 4) >>> 8;
            header = 8;
        } else {
            return DropReason.BAD_ENCAPSULATION.ordinal();
        }
        int outer = 14 + ihl + header;
        b.vni[i] = vni;
        b.start[i] = (int) (s + outer);
        b.length[i] = total - ihl - header;
        return 0;
    }
}

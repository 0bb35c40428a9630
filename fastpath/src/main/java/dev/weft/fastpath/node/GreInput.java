package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * NVGRE (RFC 7637) as the raw GRE socket reads it: the frame starts at the outer IPv4 header. Checks the
 * IPv4 header (no fragments), the GRE header (key present, Transparent Ethernet Bridging), takes the
 * 24-bit VSID as the VNI and the outer source as the sender, and moves the start to the inner Ethernet header.
 */
public final class GreInput implements Node {

    public static final String NAME = "gre-input";
    static final int ETHERNET = 0;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(EthernetInput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        MemorySegment m = b.memory();
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            long ip = b.start[i];
            int len = b.length[i];
            if (len < 20 + 8 + 14) {
                next[k] = d.drop(i, DropReason.TRUNCATED);
                continue;
            }
            int versionIhl = Bytes.u8(m, ip);
            int ihl = (versionIhl & 0x0f) * 4;
            int total = Bytes.u16(m, ip + 2);
            if ((versionIhl >>> 4) != 4 || ihl < 20 || ihl + 8 + 14 > len || total < ihl + 8 + 14 || total > len
                    || (Bytes.u16(m, ip + 6) & 0x3fff) != 0 || Bytes.u8(m, ip + 9) != 47) {
                next[k] = d.drop(i, DropReason.BAD_ENCAPSULATION);
                continue;
            }
            long gre = ip + ihl;
            if (Bytes.u16(m, gre) != 0x2000 || Bytes.u16(m, gre + 2) != 0x6558) {
                next[k] = d.drop(i, DropReason.BAD_ENCAPSULATION);
                continue;
            }
            b.vni[i] = Bytes.u32(m, gre + 4) >>> 8;
            b.underlaySource[i] = Bytes.u32(m, ip + 12);
            if (!t.isPeer(b.vni[i], b.underlaySource[i])) {
                next[k] = d.drop(i, DropReason.UNKNOWN_PEER); // only hosts that carry the VSID may send it here
                continue;
            }
            b.start[i] += ihl + 8;
            b.length[i] = total - ihl - 8;
            if (tracing) {
                d.trace(i, "NVGRE VSID " + b.vni[i] + " from " + Text.ip(b.underlaySource[i]));
            }
            next[k] = ETHERNET;
        }
    }
}

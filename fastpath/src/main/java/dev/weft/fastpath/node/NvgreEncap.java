package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.Ipv4Header;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * NVGRE (RFC 7637): writes the outer IPv4 header (this host's provider address to the destination's,
 * DF, TTL 64, checksum computed) and the GRE header (key present, Transparent Ethernet Bridging,
 * key = VSID << 8 | flow id) in front of the inner frame; the raw socket sends it as it is.
 */
public final class NvgreEncap implements Node {

    public static final String NAME = "nvgre-encap";
    public static final int OVERHEAD = 20 + 8;
    static final int UNDERLAY_OUTPUT = 0;

    @Override
    public String name() {
        return NAME;
    }

    /** The raw socket sends the frame from its slot: frames come whole. */
    @Override
    public boolean linear() {
        return true;
    }

    @Override
    public List<String> arcs() {
        return List.of(UnderlayOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        MemorySegment m = b.memory();
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            long ip = b.start[i] - OVERHEAD;
            if (ip < b.slotBase(i)) {
                next[k] = d.drop(i, DropReason.FRAME_TOO_LARGE);
                continue;
            }
            int total = OVERHEAD + b.length[i];
            int source = t.localUnderlay;
            int destination = b.outAddress[i];
            Ipv4Header.write(m, ip, source, destination, 47, total, true);
            Bytes.u16(m, ip + 20, 0x2000); // key present, version 0
            Bytes.u16(m, ip + 22, 0x6558); // transparent Ethernet bridging
            Bytes.u32(m, ip + 24, (b.vni[i] << 8) | (b.hash[i] & 0xff));
            b.start[i] = (int) ip;
            b.length[i] = total;
            if (tracing) {
                d.trace(i, "NVGRE VSID " + b.vni[i] + " → " + Text.ip(destination));
            }
            next[k] = UNDERLAY_OUTPUT;
        }
    }
}

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
 * VXLAN (RFC 7348) received on the underlay's UDP socket: the frame starts at the 8-byte VXLAN header
 * (the kernel consumed the outer IPv4 and UDP headers; the sender is in {@code underlaySource}). Accepts it
 * only from the provider address of a host that carries the VNI (else {@code UNKNOWN_PEER}). Checks
 * the I flag, takes the VNI and moves the frame's start to the inner Ethernet header.
 */
public final class VxlanInput implements Node {

    public static final String NAME = "vxlan-input";
    public static final int HEADER = 8;
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
            long s = b.start[i];
            if (b.length[i] < HEADER + 14) {
                next[k] = d.drop(i, DropReason.TRUNCATED);
                continue;
            }
            if ((Bytes.u8(m, s) & 0x08) == 0) {
                next[k] = d.drop(i, DropReason.BAD_ENCAPSULATION);
                continue;
            }
            int vni = Bytes.u32(m, s + 4) >>> 8;
            b.vni[i] = vni;
            if (!t.isPeer(vni, b.underlaySource[i])) {
                next[k] = d.drop(i, DropReason.UNKNOWN_PEER); // only hosts that carry the VNI may send it here
                continue;
            }
            b.start[i] += HEADER;
            b.length[i] -= HEADER;
            if (tracing) {
                d.trace(i, "VXLAN VNI " + b.vni[i] + " from " + Text.ip(b.underlaySource[i]));
            }
            next[k] = ETHERNET;
        }
    }
}

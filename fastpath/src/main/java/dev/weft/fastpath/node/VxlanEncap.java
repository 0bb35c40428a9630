package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * VXLAN (RFC 7348): writes the 8-byte VXLAN header (I flag, VNI) into the headroom in front of the inner
 * frame. The outer IPv4 and UDP headers are the kernel's: the underlay sends the datagram from a UDP
 * socket whose source port follows the inner flow hash, so nothing written here is thrown away.
 */
public final class VxlanEncap implements Node {

    public static final String NAME = "vxlan-encap";
    static final int UNDERLAY_OUTPUT = 0;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(UnderlayOutput.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        MemorySegment m = b.memory();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            long s = b.start[i] - VxlanInput.HEADER;
            if (s < b.slotBase(i)) {
                next[k] = d.drop(i, DropReason.FRAME_TOO_LARGE);
                continue;
            }
            b.completeChecksum(i); // on the wire every checksum is complete
            Bytes.u32(m, s, 0x0800_0000); // I flag: the VNI is valid
            Bytes.u32(m, s + 4, b.vni[i] << 8);
            b.start[i] = (int) s;
            b.length[i] += VxlanInput.HEADER;
            if (tracing) {
                d.trace(i, "VXLAN VNI " + b.vni[i] + " → " + Text.ip(b.outAddress[i]) + " UDP port 4789");
            }
            next[k] = UNDERLAY_OUTPUT;
        }
    }
}

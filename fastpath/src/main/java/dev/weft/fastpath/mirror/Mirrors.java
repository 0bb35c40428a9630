package dev.weft.fastpath.mirror;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Ipv4Header;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.Mirror;
import java.lang.foreign.MemorySegment;

/**
 * One worker's mirrored copies, waiting in a batch of their own until the batch they were copied from is sent: each the
 * whole frame as the source VM sent or received it, behind Ethernet, IPv4 (from the source's subnet gateway to the
 * collector), UDP (to the tap's port, checksum 0) and VXLAN (the tap's VNI) headers, so any collector decodes it. The copies
 * then go through the graph as packets of the source's network to the collector (input {@link PacketBatch#MIRROR}). A copy
 * that doesn't fit in the batch is lost and counted; the original is never touched or held.
 */
public final class Mirrors {

    /** Ethernet, IPv4, UDP and VXLAN in front of the copied frame. */
    public static final int OVERHEAD = 14 + 20 + 8 + 8;

    private static final PacketBatch NONE = PacketBatch.collectable();
    /** Made at the first copy (most workers' pipelines never copy), freed by the garbage collector with the pipeline. */
    private PacketBatch copies = NONE;
    /** Written by the worker alone, read by anyone. */
    public volatile long copied;
    public volatile long lost;

    /** Copies frame {@code i} of {@code b} for {@code mirror}, from local port {@code port}; false (counted) when there is no room. */
    public boolean copy(PacketBatch b, int i, ForwardingTables t, int port, Mirror mirror) {
        if (copies == NONE) {
            copies = PacketBatch.collectable();
        }
        if (b.gsoSize[i] > 0) { // a GSO frame: the collector sees its segments, as they go on the wire
            boolean all = true;
            for (int k = 0, n = b.segments(i); k < n; k++) {
                all &= copy(b, i, k, t, port, mirror);
            }
            return all;
        }
        return copy(b, i, -1, t, port, mirror);
    }

    /** Copies frame {@code i} of {@code b} whole (segment < 0) or segment {@code segment} of it, a GSO frame. */
    private boolean copy(PacketBatch b, int i, int segment, ForwardingTables t, int port, Mirror mirror) {
        int length = segment < 0 ? b.length[i] : Math.min(b.gsoSize[i], (int) b.tail[i].byteSize() - segment * b.gsoSize[i]) + b.inline(i);
        if (copies.full() || length + OVERHEAD > PacketBatch.MAX_FRAME) {
            lost++;
            return false;
        }
        MemorySegment s = copies.nextSlot();
        Bytes.mac(s, 0, ForwardingTables.ROUTER_MAC); // the route to the collector writes both MACs
        Bytes.mac(s, 6, ForwardingTables.ROUTER_MAC);
        Bytes.u16(s, 12, 0x0800);
        Ipv4Header.write(s, 14, t.portGateway[port], mirror.destination(), 17, 20 + 8 + 8 + length, false);
        Bytes.u16(s, 34, 49152 | (mirror.vni() & 0x3fff));
        Bytes.u16(s, 36, mirror.port());
        Bytes.u16(s, 38, 8 + 8 + length);
        Bytes.u16(s, 40, 0);
        Bytes.u32(s, 42, 0x0800_0000);
        Bytes.u32(s, 46, mirror.vni() << 8);
        if (segment < 0) {
            b.completeChecksum(i); // the collector sees the frame as it goes on the wire
            b.copyFrame(i, s, OVERHEAD);
        } else {
            b.copySegment(i, segment, s, OVERHEAD);
        }
        int c = copies.commit(length + OVERHEAD, PacketBatch.MIRROR);
        copies.vni[c] = t.portVni[port];
        copied++;
        return true;
    }

    /** The copies made since the last {@link #clear()}. */
    public PacketBatch batch() {
        return copies;
    }

    public void clear() {
        if (copies != NONE) {
            copies.clear();
        }
    }
}

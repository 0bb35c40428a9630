package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/** The end of a path to a local port: the worker writes these frames to the port's TAP device; the port's taps copy them as they are. */
public final class PortOutput implements Node {

    public static final String NAME = "port-output";

    private final dev.weft.fastpath.mirror.Mirrors mirrors;

    public PortOutput(dev.weft.fastpath.mirror.Mirrors mirrors) {
        this.mirrors = mirrors;
    }

    /** The 802.1Q tag of frame {@code i} (TPID and TCI, its bytes 12–15), or 0 when it has none. */
    static int vlanTag(PacketBatch b, int i) {
        return (b.flags[i] & dev.weft.fastpath.packet.Parser.FLAG_VLAN) != 0 ? dev.weft.fastpath.packet.Bytes.u32(b.memory(), b.start[i] + 12) : 0;
    }

    /**
     * Puts 802.1Q tag {@code tag} ({@link #vlanTag} of the frame it answers; nothing when 0) into the untagged answer
     * {@code i}, in front of its EtherType, so that an answer goes back on the VLAN its request came on. The frame then
     * starts 4 bytes earlier: the caller leaves that room in front of it.
     */
    static void tag(PacketBatch b, int i, int tag) {
        if (tag == 0) {
            return;
        }
        java.lang.foreign.MemorySegment m = b.memory();
        long s = b.start[i];
        java.lang.foreign.MemorySegment.copy(m, s, m, s - 4, 12); // the addresses
        dev.weft.fastpath.packet.Bytes.u32(m, s + 8, tag);
        b.start[i] = (int) (s - 4);
        b.truncate(i, b.length[i] + 4);
        b.l3[i] += 4;
        b.l4[i] += 4;
        b.flags[i] |= dev.weft.fastpath.packet.Parser.FLAG_VLAN;
    }

    /** For a trace: ", on VLAN N" for a {@link #vlanTag} that isn't 0, else "". */
    static String onVlan(int tag) {
        return tag == 0 ? "" : ", on VLAN " + (tag & 0xfff);
    }

    /** Addresses the frame at {@code s} from the distributed router to port {@code port}: the port's MAC, then the router's. */
    static void fromRouter(java.lang.foreign.MemorySegment m, long s, dev.weft.fastpath.table.ForwardingTables t, int port) {
        dev.weft.fastpath.packet.Bytes.mac(m, s, t.portMac[port]);
        dev.weft.fastpath.packet.Bytes.mac(m, s + 6, dev.weft.fastpath.table.ForwardingTables.ROUTER_MAC);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of();
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            b.verdict[i] = PacketBatch.TO_PORT;
            int out = b.outPort[i];
            dev.weft.fastpath.table.Mirror[] taps = d.tables().portMirrorsIn[out];
            if (taps != null && b.inPort[i] != PacketBatch.MIRROR) { // a copy is never copied again
                for (dev.weft.fastpath.table.Mirror m : taps) {
                    boolean copied = mirrors.copy(b, i, d.tables(), out, m);
                    if (tracing) {
                        d.trace(i, copied ? "copied for tap " + m.tap() + " (inbound)" : "no room to copy it for tap " + m.tap() + ": the copy is lost");
                    }
                }
            }
            if (tracing) {
                long limit = d.tables().portInboundBits[b.outPort[i]];
                d.trace(i, "deliver to port " + d.tables().ports[b.outPort[i]].name()
                        + (limit > 0 ? " (inbound limit " + limit / 1_000_000 + " Mbit/s: over it, the frame waits in the port's queue)" : ""));
            }
        }
    }
}

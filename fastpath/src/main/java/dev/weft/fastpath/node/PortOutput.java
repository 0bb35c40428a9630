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

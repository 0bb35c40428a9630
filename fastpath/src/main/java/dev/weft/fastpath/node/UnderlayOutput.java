package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/** The end of a path to another host: the worker sends these frames on the underlay (VXLAN by UDP, NVGRE raw). */
public final class UnderlayOutput implements Node {

    public static final String NAME = "underlay-output";

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
            b.verdict[i] = PacketBatch.TO_UNDERLAY;
            if (tracing) {
                d.trace(i, "send to " + Text.ip(b.outAddress[i]) + " (" + b.length[i] + " bytes)");
            }
        }
    }
}

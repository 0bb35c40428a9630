package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/** The end of a path to a local port: the worker writes these frames to the port's TAP device. */
public final class PortOutput implements Node {

    public static final String NAME = "port-output";

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
            if (tracing) {
                d.trace(i, "deliver to port " + d.tables().ports[b.outPort[i]].name());
            }
        }
    }
}

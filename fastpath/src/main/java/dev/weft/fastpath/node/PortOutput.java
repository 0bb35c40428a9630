package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/**
 * The end of a path to a local port: the worker writes these frames to the port's TAP device; over the port's inbound
 * limit they are dropped.
 */
public final class PortOutput implements Node {

    public static final String NAME = "port-output";

    private final dev.weft.fastpath.qos.PortMeters meters;

    public PortOutput(dev.weft.fastpath.qos.PortMeters meters) {
        this.meters = meters;
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
            if (!meters.admitInbound(b.outPort[i], b.length[i])) {
                if (tracing) {
                    d.trace(i, "over port " + d.tables().ports[b.outPort[i]].name() + "'s inbound limit of "
                            + meters.limit(b.outPort[i], dev.weft.fastpath.qos.Meters.Direction.INBOUND) / 1_000_000 + " Mbit/s: dropped");
                }
                next[k] = d.drop(i, dev.weft.fastpath.packet.DropReason.QOS_POLICED);
                continue;
            }
            b.verdict[i] = PacketBatch.TO_PORT;
            if (tracing) {
                d.trace(i, "deliver to port " + d.tables().ports[b.outPort[i]].name());
            }
        }
    }
}

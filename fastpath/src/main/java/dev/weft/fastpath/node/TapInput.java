package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.List;

/** Frames a VM sent on its port: they belong to the port's virtual network. */
public final class TapInput implements Node {

    public static final String NAME = "tap-input";
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
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int port = b.inPort[i];
            if (port < 0 || port >= t.portCount()) {
                next[k] = d.drop(i, DropReason.UNKNOWN_SOURCE_PORT);
                continue;
            }
            b.vni[i] = t.portVni[port];
            if (tracing) {
                d.trace(i, "from port " + t.ports[port].name() + ", VNI " + b.vni[i]);
            }
            next[k] = ETHERNET;
        }
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.List;

/** Frames a VM sent on its port: they belong to the port's virtual network; the port's taps copy them as they are. */
public final class TapInput implements Node {

    public static final String NAME = "tap-input";
    static final int ETHERNET = 0;

    private final dev.weft.fastpath.mirror.Mirrors mirrors;

    public TapInput(dev.weft.fastpath.mirror.Mirrors mirrors) {
        this.mirrors = mirrors;
    }

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
            if (t.portMirrorsOut[port] != null) {
                for (dev.weft.fastpath.table.Mirror m : t.portMirrorsOut[port]) {
                    boolean copied = mirrors.copy(b, i, t, port, m);
                    if (tracing) {
                        d.trace(i, copied ? "copied for tap " + m.tap() + " (outbound)" : "no room to copy it for tap " + m.tap() + ": the copy is lost");
                    }
                }
            }
            if (tracing) {
                d.trace(i, "from port " + t.ports[port].name() + ", VNI " + b.vni[i] + (t.portOutboundBits[port] > 0
                        ? " (outbound limit " + t.portOutboundBits[port] / 1_000_000 + " Mbit/s: the worker reads the port no faster)" : ""));
            }
            next[k] = ETHERNET;
        }
    }
}

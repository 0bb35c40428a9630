package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/** Mirrored copies (see {@code mirror.Mirrors}): packets of the source's network, addressed to the tap's collector. */
public final class MirrorInput implements Node {

    public static final String NAME = "mirror-input";
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
        for (int k = 0; k < count; k++) {
            if (d.tracing()) {
                d.trace(vector[k], "a mirrored copy in VNI " + b.vni[vector[k]] + ", to its tap's collector");
            }
            next[k] = ETHERNET;
        }
    }
}

package dev.weft.fastpath.graph;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.table.ForwardingTables;

/** What a node sees of the graph while it runs: the batch's tables, its arcs, drops, and the packet trace. */
public interface Dispatch {

    /** The tables of this batch, read once when the batch entered the graph. */
    ForwardingTables tables();

    /** Sends packet {@code i} along the running node's arc {@code arc}. */
    void to(int i, int arc);

    /** Drops packet {@code i}, counted under the running node and {@code reason}. */
    void drop(int i, DropReason reason);

    /** Whether nodes record their decisions ({@link #trace}); checked before building any trace text. */
    boolean tracing();

    /** Records the running node's decision for packet {@code i}. */
    void trace(int i, String decision);
}

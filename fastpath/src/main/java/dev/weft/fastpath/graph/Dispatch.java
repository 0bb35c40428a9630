package dev.weft.fastpath.graph;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.table.ForwardingTables;

/** What a node sees of the graph while it runs: the batch's tables, drops, and the packet trace. */
public interface Dispatch {

    /** The tables of this batch, read once when the batch entered the graph. */
    ForwardingTables tables();

    /** What a node puts in {@code next[k]} for a packet it dropped. */
    int DROPPED = -1;

    /** Drops packet {@code i}, counted under the running node and {@code reason}; returns {@link #DROPPED}. */
    int drop(int i, DropReason reason);

    /** Whether nodes record their decisions ({@link #trace}); checked before building any trace text. */
    boolean tracing();

    /** Records the running node's decision for packet {@code i}. */
    void trace(int i, String decision);
}

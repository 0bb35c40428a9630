package dev.weft.fastpath.graph;

import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/**
 * One stage of the packet graph (VPP's model). A node loops over the packets the graph hands it and
 * sends each on along one of its arcs ({@link Dispatch#to}) or drops it with a counted reason
 * ({@link Dispatch#drop}). It never calls another node; the {@link Graph} does. Per-packet state travels
 * in the batch's columns, never in a node's fields.
 */
public interface Node {

    /** The node's name in counters, metrics and traces, e.g. {@code ip4-lookup}. */
    String name();

    /** The names of the nodes this one sends packets to; an arc is an index into this list. */
    List<String> arcs();

    /**
     * Processes packets {@code vector[0..count)} (indexes into the batch); every one of them must leave
     * through {@code d.to} or {@code d.drop}.
     */
    void process(PacketBatch b, int[] vector, int count, Dispatch d);
}

package dev.weft.fastpath.graph;

import dev.weft.fastpath.packet.PacketBatch;
import java.util.List;

/**
 * One stage of the packet graph (VPP's model). A node loops over the packets the graph hands it and
 * decides, for each, the arc it leaves on ({@code next[k] = ARC}) or that it is dropped with a counted
 * reason ({@code next[k] = d.drop(i, reason)}). It never calls another node; the {@link Graph} hands the
 * packets on in bulk. Per-packet state travels in the batch's columns, never in a node's fields.
 */
public interface Node {

    /** The node's name in counters, metrics and traces, e.g. {@code ip4-lookup}. */
    String name();

    /** The names of the nodes this one sends packets to; an arc is an index into this list. */
    List<String> arcs();

    /**
     * Processes packets {@code vector[0..count)} (indexes into the batch). Unless the node is an output
     * (no arcs), it sets {@code next[k]} for every {@code k}: an arc, or {@link Dispatch#DROPPED}.
     */
    void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d);

    /**
     * Whether the node reads or rewrites frames past their headers (a server answering in place, a copy to another ring):
     * the graph hands it every frame whole in its slot ({@link PacketBatch#linearize}). Other nodes see only the headers of
     * a split frame, which are always in the slot.
     */
    default boolean linear() {
        return false;
    }
}

package dev.weft.fastpath.graph;

/**
 * One node's decision about one traced packet: {@code packet} is its index in the batch. {@code next} is -1, or where a
 * node cut a GSO frame into its segments, the first segment's index: the trace goes on there.
 */
public record TraceRecord(int packet, String node, String decision, int next) {

    public TraceRecord(int packet, String node, String decision) {
        this(packet, node, decision, -1);
    }
}

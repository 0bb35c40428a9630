package dev.weft.fastpath.graph;

/** One node's decision about one traced packet: {@code packet} is its index in the batch. */
public record TraceRecord(int packet, String node, String decision) {
}

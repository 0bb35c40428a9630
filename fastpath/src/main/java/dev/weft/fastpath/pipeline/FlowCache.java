package dev.weft.fastpath.pipeline;

/**
 * The cache of header transpositions: exact match on (input, 5-tuple) → what to do with the packet,
 * stamped with the table generation it was decided under. A newer table snapshot makes older entries
 * misses without touching them. Direct-mapped by flow hash, so it is bounded and a colliding flow evicts
 * the older one. Single writer (one worker), structure-of-arrays.
 */
public final class FlowCache {

    public static final int DELIVER = 1;
    public static final int ENCAP = 2;
    /** Flag: rewrite the MACs (router MAC as source) and decrement the TTL: the packet crossed subnets. */
    public static final int ROUTE = 4;

    private final int mask;
    private final long[] generation;
    private final int[] input;
    private final int[] src;
    private final int[] dst;
    private final long[] protocolPorts;
    private final int[] action;
    private final int[] port;
    private final int[] destination;
    private final int[] encap;
    private final long[] dstMac;
    /** The connection-tracking entry that admitted the flow, or -1 when no security layer applies. */
    private final int[] conntrack;

    public FlowCache(int capacity) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        mask = size - 1;
        generation = new long[size];
        input = new int[size];
        src = new int[size];
        dst = new int[size];
        protocolPorts = new long[size];
        action = new int[size];
        port = new int[size];
        destination = new int[size];
        encap = new int[size];
        dstMac = new long[size];
        conntrack = new int[size];
    }

    private static long protocolPorts(int protocol, int srcPort, int dstPort) {
        return ((long) protocol << 32) | ((long) srcPort << 16) | dstPort;
    }

    /** The slot holding this flow under {@code tableGeneration}, or -1. */
    public int find(int hash, long tableGeneration, int in, int source, int dest, int protocol, int srcPort, int dstPort) {
        int slot = hash & mask;
        if (generation[slot] == tableGeneration + 1 && input[slot] == in && src[slot] == source && dst[slot] == dest
                && protocolPorts[slot] == protocolPorts(protocol, srcPort, dstPort)) {
            return slot;
        }
        return -1;
    }

    /** The connection-tracking entry that admitted the cached flow, or -1. */
    public int conntrack(int slot) {
        return conntrack[slot];
    }

    /** Copies the cached decision into packet {@code i}'s columns. */
    public void load(int slot, dev.weft.fastpath.packet.PacketBatch b, int i) {
        b.action[i] = action[slot];
        b.outPort[i] = port[slot];
        b.outAddress[i] = destination[slot];
        b.encap[i] = encap[slot];
        b.nextHopMac[i] = dstMac[slot];
        b.admittedBy[i] = conntrack[slot];
    }

    /** Stores the decision in packet {@code i}'s columns for its flow, evicting whatever had the slot; returns the slot. */
    public int store(long tableGeneration, int in, dev.weft.fastpath.packet.PacketBatch b, int i) {
        return store(b.hash[i], tableGeneration, in, b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i],
                b.action[i], b.outPort[i], b.outAddress[i], b.encap[i], b.nextHopMac[i], b.admittedBy[i]);
    }

    /** Stores a decision, evicting whatever had the slot; returns the slot. */
    public int store(int hash, long tableGeneration, int in, int source, int dest, int protocol, int srcPort, int dstPort,
                     int act, int outPort, int outDestination, int outEncap, long outDstMac, int conntrackSlot) {
        int slot = hash & mask;
        generation[slot] = tableGeneration + 1; // so a zeroed slot never matches
        input[slot] = in;
        src[slot] = source;
        dst[slot] = dest;
        protocolPorts[slot] = protocolPorts(protocol, srcPort, dstPort);
        action[slot] = act;
        port[slot] = outPort;
        destination[slot] = outDestination;
        encap[slot] = outEncap;
        dstMac[slot] = outDstMac;
        conntrack[slot] = conntrackSlot;
        return slot;
    }
}

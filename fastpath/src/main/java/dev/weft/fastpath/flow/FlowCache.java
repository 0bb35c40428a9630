package dev.weft.fastpath.flow;

import dev.weft.fastpath.packet.PacketBatch;

/**
 * The cache of header transpositions: exact match on (input, 5-tuple) → what to do with the packet,
 * stamped with the table generation it was decided under. A newer table snapshot makes older entries
 * misses without touching them. Direct-mapped by flow hash, so it is bounded and a colliding flow evicts
 * the older one. Single writer (one worker).
 *
 * <p>One flow is one slot of eight longs, so a lookup and the decision it finds share one cache line
 * (the array's 16-byte header puts words 0–5 of every slot in one 64-byte line):
 * <pre>
 * 0  table generation + 1 (0: never used)
 * 1  input (port, or VNI | 1 << 31)   | source address
 * 2  destination address              | source port << 16 | destination port
 * 3  out port                         | encapsulation << 16 | action << 8 | protocol
 * 4  provider address                 | connection-tracking entry
 * 5  next-hop MAC
 * 6  translated source address        | translated source port (flows leaving by the uplink)
 * 7  NAT or load-balancing session     | its stamp
 * </pre>
 */
public final class FlowCache {

    public static final int DELIVER = 1;
    public static final int ENCAP = 2;
    /** Flag: rewrite the MACs (router MAC as source) and decrement the TTL: the packet crossed subnets. */
    public static final int ROUTE = 4;
    /** Leaves by the host's uplink, source-translated to the flow's NAT address and port. */
    public static final int UPLINK = 8;
    /** Load balancing: the destination becomes the chosen backend's address and port (the flow's NAT address and port). */
    public static final int DNAT = 16;
    /** A backend's reply: the source becomes the frontend's address and port again (the flow's NAT address and port). */
    public static final int UNNAT = 32;
    /** Load balancing with a floating IP (direct server return): to the chosen backend, the frontend's address untranslated. */
    public static final int FLOAT = 64;

    private static final int WORDS = 8;
    private static final long LOW = 0xffff_ffffL;

    private final int mask;
    private final long[] slots;
    /** The VNI each flow leaves with (another than its own across a peering). */
    private final int[] outVni;

    public FlowCache(int capacity) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        mask = size - 1;
        slots = new long[size * WORDS];
        outVni = new int[size];
    }

    private static long pair(int high, int low) {
        return ((long) high << 32) | (low & LOW);
    }

    /** The slot holding this flow under {@code tableGeneration}, or -1. */
    public int find(int hash, long tableGeneration, int in, int source, int dest, int protocol, int srcPort, int dstPort) {
        int slot = hash & mask;
        int at = slot * WORDS;
        long[] s = slots;
        if (s[at] == tableGeneration + 1 && s[at + 1] == pair(in, source) && s[at + 2] == pair(dest, srcPort << 16 | dstPort)
                && (int) (s[at + 3] & 0xff) == protocol) {
            return slot;
        }
        return -1;
    }

    /** The connection-tracking entry that admitted the cached flow, or -1. */
    public int conntrack(int slot) {
        return (int) slots[slot * WORDS + 4];
    }

    /** Copies the cached decision into packet {@code i}'s columns (all but the tracking entry, which only the slow path needs). */
    public void load(int slot, PacketBatch b, int i) {
        int at = slot * WORDS;
        long decision = slots[at + 3];
        b.action[i] = (int) (decision >>> 8) & 0xff;
        b.encap[i] = (int) (decision >>> 16) & 0xff;
        b.outPort[i] = (int) (decision >>> 32);
        b.outAddress[i] = (int) (slots[at + 4] >>> 32);
        b.nextHopMac[i] = slots[at + 5];
        b.vni[i] = outVni[slot];
        long nat = slots[at + 6];
        b.natAddress[i] = (int) (nat >>> 32);
        b.natPort[i] = (int) nat;
    }

    /** The cached flow's action flags. */
    public int action(int slot) {
        return (int) (slots[slot * WORDS + 3] >>> 8) & 0xff;
    }

    /** The NAT session of the cached flow, or -1. */
    public int natSession(int slot) {
        return (int) (slots[slot * WORDS + 7] >>> 32);
    }

    /** The stamp of the cached flow's NAT session. */
    public int natStamp(int slot) {
        return (int) slots[slot * WORDS + 7];
    }

    /** Stores the decision in packet {@code i}'s columns for its flow, evicting whatever had the slot; returns the slot. */
    public int store(long tableGeneration, int in, PacketBatch b, int i) {
        int slot = b.hash[i] & mask;
        int at = slot * WORDS;
        long[] s = slots;
        s[at] = tableGeneration + 1; // so a zeroed slot never matches
        s[at + 1] = pair(in, b.srcIp[i]);
        s[at + 2] = pair(b.dstIp[i], b.srcPort[i] << 16 | b.dstPort[i]);
        s[at + 3] = ((long) b.outPort[i] << 32) | (b.encap[i] & 0xff) << 16 | (b.action[i] & 0xff) << 8 | (b.protocol[i] & 0xff);
        s[at + 4] = pair(b.outAddress[i], b.admittedBy[i]);
        s[at + 5] = b.nextHopMac[i];
        s[at + 6] = pair(b.natAddress[i], b.natPort[i]);
        s[at + 7] = pair(b.natSession[i], b.natStamp[i]);
        outVni[slot] = b.vni[i];
        return slot;
    }
}

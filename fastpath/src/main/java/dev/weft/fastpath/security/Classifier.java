package dev.weft.fastpath.security;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Finds the first entry of a {@link RuleTable} that matches a packet: the Vector API compares the packet
 * with a vector's worth of entries (8 or 16) per step; {@link #scalar} is the same search one entry at a
 * time, for the benchmark and as the reference.
 */
public final class Classifier {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private Classifier() {
    }

    /** The index of the first matching rule, or -1. Ports are 0 for protocols without them. */
    public static int vector(RuleTable t, int src, int dst, int protocol, int srcPort, int dstPort) {
        for (int e = 0; e < t.size; e += INTS.length()) {
            VectorMask<Integer> m = IntVector.fromArray(INTS, t.srcMask, e).and(src).compare(VectorOperators.EQ, IntVector.fromArray(INTS, t.srcNet, e));
            if (!m.anyTrue()) {
                continue; // most entries fail on the source: skip the other six comparisons
            }
            m = m.and(IntVector.fromArray(INTS, t.dstMask, e).and(dst).compare(VectorOperators.EQ, IntVector.fromArray(INTS, t.dstNet, e)));
            m = m.and(IntVector.fromArray(INTS, t.protocolMask, e).and(protocol).compare(VectorOperators.EQ, IntVector.fromArray(INTS, t.protocol, e)));
            m = m.and(IntVector.fromArray(INTS, t.srcPortLo, e).compare(VectorOperators.LE, srcPort));
            m = m.and(IntVector.fromArray(INTS, t.srcPortHi, e).compare(VectorOperators.GE, srcPort));
            m = m.and(IntVector.fromArray(INTS, t.dstPortLo, e).compare(VectorOperators.LE, dstPort));
            m = m.and(IntVector.fromArray(INTS, t.dstPortHi, e).compare(VectorOperators.GE, dstPort));
            if (m.anyTrue()) {
                return t.rule[e + m.firstTrue()];
            }
        }
        return -1;
    }

    public static int scalar(RuleTable t, int src, int dst, int protocol, int srcPort, int dstPort) {
        for (int e = 0; e < t.size; e++) {
            if ((src & t.srcMask[e]) == t.srcNet[e] && (dst & t.dstMask[e]) == t.dstNet[e]
                    && (protocol & t.protocolMask[e]) == t.protocol[e]
                    && srcPort >= t.srcPortLo[e] && srcPort <= t.srcPortHi[e] && dstPort >= t.dstPortLo[e] && dstPort <= t.dstPortHi[e]) {
                return t.rule[e];
            }
        }
        return -1;
    }
}

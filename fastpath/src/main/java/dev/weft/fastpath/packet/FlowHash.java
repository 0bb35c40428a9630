package dev.weft.fastpath.packet;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The flow hash of every packet of a batch, from its 5-tuple and input: scalar, and the Vector API over
 * the same structure-of-arrays (one lane per packet). Both give the same value for every packet.
 */
public final class FlowHash {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final int C1 = 0x9E3779B1;
    private static final int C2 = 0x85EBCA77;
    private static final int C3 = 0xC2B2AE3D;
    private static final int C4 = 0x27D4EB2F;

    private FlowHash() {
    }

    public static int hash(int src, int dst, int protocol, int srcPort, int dstPort, int input) {
        int h = src * C1 ^ dst * C2 ^ ((protocol << 16) | srcPort) * C3 ^ (dstPort ^ (input << 16)) * C4;
        h ^= h >>> 16;
        h *= C2;
        h ^= h >>> 13;
        return h;
    }

    public static void scalar(PacketBatch b, int count) {
        for (int i = 0; i < count; i++) {
            b.hash[i] = hash(b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i], b.inPort[i]);
        }
    }

    public static void vector(PacketBatch b, int count) {
        int i = 0;
        for (int upper = INTS.loopBound(count); i < upper; i += INTS.length()) {
            IntVector src = IntVector.fromArray(INTS, b.srcIp, i);
            IntVector dst = IntVector.fromArray(INTS, b.dstIp, i);
            IntVector protocol = IntVector.fromArray(INTS, b.protocol, i);
            IntVector srcPort = IntVector.fromArray(INTS, b.srcPort, i);
            IntVector dstPort = IntVector.fromArray(INTS, b.dstPort, i);
            IntVector input = IntVector.fromArray(INTS, b.inPort, i);
            IntVector h = src.mul(C1)
                    .lanewise(VectorOperators.XOR, dst.mul(C2))
                    .lanewise(VectorOperators.XOR, protocol.lanewise(VectorOperators.LSHL, 16).or(srcPort).mul(C3))
                    .lanewise(VectorOperators.XOR, dstPort.lanewise(VectorOperators.XOR, input.lanewise(VectorOperators.LSHL, 16)).mul(C4));
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(C2);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13));
            h.intoArray(b.hash, i);
        }
        for (; i < count; i++) {
            b.hash[i] = hash(b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i], b.inPort[i]);
        }
    }
}

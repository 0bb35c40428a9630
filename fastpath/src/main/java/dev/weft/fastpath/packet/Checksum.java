package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit words, with a scalar version and a
 * Vector API version of the same sum, and the incremental update of RFC 1624.
 */
public final class Checksum {

    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private Checksum() {
    }

    /** Sum of the big-endian 16-bit words of {@code length} bytes at {@code at} (an odd last byte padded with zero), not folded. */
    public static long sum(MemorySegment m, long at, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += Bytes.u16(m, at + i);
        }
        if (i < length) {
            sum += Bytes.u8(m, at + i) << 8;
        }
        return sum;
    }

    /** The sum of a 20-byte IPv4 header without options: five 32-bit reads. */
    public static long sum20(MemorySegment m, long at) {
        long sum = 0;
        for (int k = 0; k < 20; k += 4) {
            int word = Bytes.u32(m, at + k);
            sum += (word >>> 16) + (word & 0xffff);
        }
        return sum;
    }

    /**
     * The same sum with the Vector API: 16-bit words loaded a vector at a time, widened to 32-bit lanes and
     * accumulated lane-wise; the tail is summed scalar. Fewer bytes than two vectors hold are summed scalar altogether:
     * a UDP datagram's few dozen bytes gain nothing from a vector, and a call site whose vector code the JIT did not
     * intrinsify would pay for boxed vectors on every small frame.
     */
    public static long sumVector(MemorySegment m, long at, int length) {
        int step = SHORTS.vectorByteSize();
        if (length < 2 * step) {
            return sum(m, at, length);
        }
        IntVector acc = IntVector.zero(INTS);
        IntVector acc2 = IntVector.zero(INTS);
        int i = 0;
        for (; i + step <= length; i += step) {
            ShortVector words = ShortVector.fromMemorySegment(SHORTS, m, at + i, ByteOrder.BIG_ENDIAN);
            acc = acc.add(((IntVector) words.convertShape(VectorOperators.S2I, INTS, 0)).and(0xffff));
            acc2 = acc2.add(((IntVector) words.convertShape(VectorOperators.S2I, INTS, 1)).and(0xffff));
        }
        long sum = (acc.reduceLanesToLong(VectorOperators.ADD) & 0xffff_ffffL) + (acc2.reduceLanesToLong(VectorOperators.ADD) & 0xffff_ffffL);
        return sum + sum(m, at + i, length - i);
    }

    /** The sum of the IPv4 pseudo-header (addresses at {@code m[ip + 12, ip + 20)}) for {@code protocol} and {@code length} bytes of it. */
    public static long pseudoHeader(MemorySegment m, long ip, int protocol, int length) {
        return Bytes.u16(m, ip + 12) + Bytes.u16(m, ip + 14) + Bytes.u16(m, ip + 16) + Bytes.u16(m, ip + 18) + protocol + length;
    }

    /** Folds carries into 16 bits. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum field value for data whose sum (with the field zeroed) is {@code sum}. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** RFC 1624 eqn. 3: the new checksum after a 16-bit word changes from {@code old} to {@code now}. */
    public static int update(int checksum, int old, int now) {
        return ~fold((~checksum & 0xffff) + (~old & 0xffff) + (now & 0xffff)) & 0xffff;
    }
}

package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Network-order (big-endian) reads and writes of packet memory. */
public final class Bytes {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {
    }

    public static int u8(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    public static int u16(MemorySegment m, long at) {
        return m.get(U16, at) & 0xffff;
    }

    public static int u32(MemorySegment m, long at) {
        return m.get(U32, at);
    }

    public static void u8(MemorySegment m, long at, int value) {
        m.set(ValueLayout.JAVA_BYTE, at, (byte) value);
    }

    public static void u16(MemorySegment m, long at, int value) {
        m.set(U16, at, (short) value);
    }

    public static void u32(MemorySegment m, long at, int value) {
        m.set(U32, at, value);
    }

    /** A 48-bit MAC address at {@code at}, as a long. */
    public static long mac(MemorySegment m, long at) {
        return ((long) u16(m, at) << 32) | (u32(m, at + 2) & 0xffff_ffffL);
    }

    public static void mac(MemorySegment m, long at, long mac) {
        u16(m, at, (int) (mac >>> 32));
        u32(m, at + 2, (int) mac);
    }
}

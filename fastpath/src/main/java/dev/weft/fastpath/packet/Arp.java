package dev.weft.fastpath.packet;

import java.lang.foreign.MemorySegment;

/** ARP over Ethernet for IPv4 (RFC 826): the requests a host's uplink sends. */
public final class Arp {

    /** An ARP frame's length: Ethernet (14) and the ARP packet (28). */
    public static final int LENGTH = 42;

    private Arp() {
    }

    /**
     * Writes at {@code m[at]} a broadcast ARP request from MAC {@code own}: who has {@code target}, tell {@code sender}. With
     * {@code sender == target} it is a gratuitous ARP (RFC 5227's announcement): neighbours that know the address learn
     * its new MAC.
     */
    public static void request(MemorySegment m, long at, long own, int sender, int target) {
        Bytes.mac(m, at, 0xffff_ffff_ffffL);
        Bytes.mac(m, at + 6, own);
        Bytes.u16(m, at + 12, 0x0806);
        long a = at + 14;
        Bytes.u16(m, a, 1);
        Bytes.u16(m, a + 2, 0x0800);
        Bytes.u8(m, a + 4, 6);
        Bytes.u8(m, a + 5, 4);
        Bytes.u16(m, a + 6, 1);
        Bytes.mac(m, a + 8, own);
        Bytes.u32(m, a + 14, sender);
        Bytes.mac(m, a + 18, 0);
        Bytes.u32(m, a + 24, target);
    }
}

package dev.weft.net;

import java.util.HexFormat;

/** A 48-bit Ethernet MAC address, written {@code 02:00:0a:01:01:04}. */
public record MacAddress(long value) implements Comparable<MacAddress> {

    public MacAddress {
        if ((value & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("MAC address wider than 48 bits");
        }
    }

    public static MacAddress parse(String text) {
        MacAddress mac = tryParse(text);
        if (mac == null) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        return mac;
    }

    /** Returns the address, or null unless {@code text} is six colon-separated hex octets. */
    public static MacAddress tryParse(String text) {
        if (text == null || text.length() != 17) {
            return null;
        }
        long value = 0;
        for (int i = 0; i < 6; i++) {
            int at = i * 3;
            if (i > 0 && text.charAt(at - 1) != ':') {
                return null;
            }
            int hi = Character.digit(text.charAt(at), 16);
            int lo = Character.digit(text.charAt(at + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            value = (value << 8) | (hi << 4) | lo;
        }
        return new MacAddress(value);
    }

    /** Group (multicast or broadcast) addresses have the least significant bit of the first octet set. */
    public boolean isMulticast() {
        return ((value >>> 40) & 1) == 1;
    }

    public boolean isUnicast() {
        return !isMulticast();
    }

    public byte[] toBytes() {
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (value >>> (40 - 8 * i));
        }
        return bytes;
    }

    @Override
    public int compareTo(MacAddress other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        String hex = HexFormat.of().toHexDigits(value).substring(4);
        StringBuilder out = new StringBuilder(17);
        for (int i = 0; i < 12; i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString();
    }
}

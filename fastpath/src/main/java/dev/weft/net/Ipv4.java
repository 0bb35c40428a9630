package dev.weft.net;

/**
 * An IPv4 address held as its 32-bit big-endian value.
 *
 * <p>Parsing is strict: four decimal octets 0..255 without leading zeros (so "010.1.1.1", which
 * some tools read as octal, is refused rather than guessed).
 */
public record Ipv4(int value) implements Comparable<Ipv4> {

    public static Ipv4 parse(String text) {
        Ipv4 address = tryParse(text);
        if (address == null) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        return address;
    }

    /** Returns the address, or null when {@code text} is not a dotted-quad IPv4 address. */
    public static Ipv4 tryParse(String text) {
        if (text == null || text.isEmpty() || text.length() > 15) {
            return null;
        }
        int value = 0;
        int octets = 0;
        int i = 0;
        while (i <= text.length()) {
            int start = i;
            int octet = 0;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                octet = octet * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || octet > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return null;
            }
            value = (value << 8) | octet;
            octets++;
            if (i == text.length()) {
                break;
            }
            if (text.charAt(i) != '.' || octets == 4) {
                return null;
            }
            i++;
        }
        return octets == 4 ? new Ipv4(value) : null;
    }

    public Ipv4 plus(int offset) {
        return new Ipv4(value + offset);
    }

    @Override
    public int compareTo(Ipv4 other) {
        return Integer.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return ((value >>> 24) & 0xff) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "." + (value & 0xff);
    }
}

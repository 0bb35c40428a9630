package dev.weft.net;

/**
 * An IPv4 prefix in CIDR notation ({@code 10.1.1.0/24}). The address may carry host bits, so that
 * validation can point at {@code 10.1.1.7/24} and suggest {@link #network()}; {@link #hasHostBits()}
 * tells.
 */
public record Ipv4Prefix(Ipv4 address, int length) implements Comparable<Ipv4Prefix> {

    public Ipv4Prefix {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("prefix length out of range 0..32: " + length);
        }
    }

    public static Ipv4Prefix parse(String text) {
        Ipv4Prefix prefix = tryParse(text);
        if (prefix == null) {
            throw new IllegalArgumentException("not an IPv4 prefix in CIDR notation: " + text);
        }
        return prefix;
    }

    /** Returns the prefix, or null when {@code text} is not {@code a.b.c.d/len}. */
    public static Ipv4Prefix tryParse(String text) {
        if (text == null) {
            return null;
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            return null;
        }
        Ipv4 address = Ipv4.tryParse(text.substring(0, slash));
        String len = text.substring(slash + 1);
        if (address == null || len.isEmpty() || len.length() > 2 || !len.chars().allMatch(Character::isDigit)
                || (len.length() == 2 && len.charAt(0) == '0')) {
            return null;
        }
        int length = Integer.parseInt(len);
        return length > 32 ? null : new Ipv4Prefix(address, length);
    }

    public int mask() {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    public boolean hasHostBits() {
        return (address.value() & ~mask()) != 0;
    }

    /** The same prefix with host bits cleared: the network address. */
    public Ipv4Prefix network() {
        return new Ipv4Prefix(new Ipv4(address.value() & mask()), length);
    }

    public Ipv4 networkAddress() {
        return new Ipv4(address.value() & mask());
    }

    public Ipv4 broadcastAddress() {
        return new Ipv4((address.value() & mask()) | ~mask());
    }

    /** The first host address, which Weft's distributed router owns as the subnet gateway. */
    public Ipv4 gatewayAddress() {
        return networkAddress().plus(1);
    }

    public long size() {
        return 1L << (32 - length);
    }

    public boolean contains(Ipv4 ip) {
        return (ip.value() & mask()) == (address.value() & mask());
    }

    public boolean contains(Ipv4Prefix other) {
        return other.length >= length && contains(other.address);
    }

    public boolean overlaps(Ipv4Prefix other) {
        return contains(other) || other.contains(this);
    }

    @Override
    public int compareTo(Ipv4Prefix other) {
        int byAddress = address.compareTo(other.address);
        return byAddress != 0 ? byAddress : Integer.compare(length, other.length);
    }

    @Override
    public String toString() {
        return address + "/" + length;
    }
}

package dev.weft.contract;

/** An inclusive range of L4 ports, written {@code from-to} on the wire. */
public record PortRange(int from, int to) {

    public static final PortRange ANY = new PortRange(0, 65535);

    public PortRange {
        if (from < 0 || to > 65535 || from > to) {
            throw new IllegalArgumentException("port range " + from + "-" + to + " is not within 0-65535 in order");
        }
    }

    public static PortRange parse(String text) {
        String[] parts = text.split("-", -1);
        try {
            return parts.length == 2 ? new PortRange(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]))
                    : new PortRange(Integer.parseInt(text), Integer.parseInt(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port range: " + text);
        }
    }

    @Override
    public String toString() {
        return from + "-" + to;
    }
}

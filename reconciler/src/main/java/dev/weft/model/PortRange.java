package dev.weft.model;

/** A port or a range of ports, inclusive; {@code *} is 0–65535. */
public record PortRange(int from, int to) {

    public static final PortRange ANY = new PortRange(0, 65535);

    /** Parses 80, 8000-8100 or *; null when the text is none of those (numbers above 65535 included). */
    public static PortRange tryParse(String text) {
        if ("*".equals(text)) {
            return ANY;
        }
        String[] parts = text.split("-", -1);
        if (parts.length > 2) {
            return null;
        }
        try {
            int from = Integer.parseInt(parts[0]);
            int to = parts.length == 2 ? Integer.parseInt(parts[1]) : from;
            if (from < 0 || to < 0 || from > 65535 || to > 65535 || !parts[0].chars().allMatch(Character::isDigit)
                    || (parts.length == 2 && !parts[1].chars().allMatch(Character::isDigit))) {
                return null;
            }
            return new PortRange(from, to);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return this.equals(ANY) ? "*" : from == to ? Integer.toString(from) : from + "-" + to;
    }
}

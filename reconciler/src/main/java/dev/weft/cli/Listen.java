package dev.weft.cli;

/** An {@code ADDR:PORT} to listen on. */
record Listen(String host, int port) {

    static Listen parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected ADDR:PORT, e.g. 127.0.0.1:7400, not " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Listen(host, Integer.parseInt(text.substring(colon + 1)));
    }
}

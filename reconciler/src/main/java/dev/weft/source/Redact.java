package dev.weft.source;

import java.util.regex.Pattern;

/** Takes credentials out of text before it is printed, logged or served: {@code https://user:token@host} → {@code https://***@host}. */
public final class Redact {

    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/@\\s]+@");

    private Redact() {
    }

    public static String secrets(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("$1***@");
    }
}

package dev.weft.fastpath.io;

/** The TAP device of a port is named after the port's key, so whoever attaches the VM can find it. */
public final class TapNames {

    private TapNames() {
    }

    /** {@code wft} and eight hex digits of the key's hash: 11 characters, under the kernel's 15. */
    public static String of(String portKey) {
        return "wft" + String.format("%08x", portKey.hashCode());
    }
}

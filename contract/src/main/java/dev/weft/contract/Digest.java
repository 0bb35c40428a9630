package dev.weft.contract;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A 256-bit digest. An object's digest is SHA-256 of its kind, key and canonical spec; a set of objects
 * has the lane-wise sum (mod 2^64 per 64-bit lane) of its members' digests. The sum doesn't depend on
 * order and updates incrementally ({@link #plus}, {@link #minus}), so a host's digest is recomputed
 * from the few objects a change touches, and reconciler and agent compute the same value independently.
 */
public record Digest(long a, long b, long c, long d) {

    public static final Digest ZERO = new Digest(0, 0, 0, 0);

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    public static Digest sha256(byte[] bytes) {
        byte[] h = SHA256.get().digest(bytes);
        return new Digest(lane(h, 0), lane(h, 8), lane(h, 16), lane(h, 24));
    }

    private static long lane(byte[] h, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[at + i] & 0xff);
        }
        return v;
    }

    public Digest plus(Digest o) {
        return new Digest(a + o.a, b + o.b, c + o.c, d + o.d);
    }

    public Digest minus(Digest o) {
        return new Digest(a - o.a, b - o.b, c - o.c, d - o.d);
    }

    public static Digest parse(String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException("a digest is 64 hex digits: " + hex);
        }
        HexFormat f = HexFormat.of();
        return new Digest(f.fromHexDigitsToLong(hex, 0, 16), f.fromHexDigitsToLong(hex, 16, 32),
                f.fromHexDigitsToLong(hex, 32, 48), f.fromHexDigitsToLong(hex, 48, 64));
    }

    @Override
    public String toString() {
        HexFormat f = HexFormat.of();
        return f.toHexDigits(a) + f.toHexDigits(b) + f.toHexDigits(c) + f.toHexDigits(d);
    }
}

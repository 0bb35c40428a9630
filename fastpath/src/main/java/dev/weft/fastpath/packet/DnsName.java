package dev.weft.fastpath.packet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A domain name in the wire form of RFC 1035 section 3.1: length-prefixed labels, then a zero byte. */
public final class DnsName {

    private DnsName() {
    }

    /** {@code name} ({@code vm-1.blue.tenant-a.internal}) as labels; the caller passes a valid ASCII name. */
    public static byte[] encode(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length() + 2);
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(0);
        return out.toByteArray();
    }
}

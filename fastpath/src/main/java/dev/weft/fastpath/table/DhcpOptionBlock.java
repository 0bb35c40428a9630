package dev.weft.fastpath.table;

import dev.weft.fastpath.packet.DnsName;
import dev.weft.net.Ipv4;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A port's DHCP options, encoded once when the tables are built, for the {@code dhcp} node to copy into replies. */
public final class DhcpOptionBlock {

    private DhcpOptionBlock() {
    }

    /**
     * A port's options after the message type, server id and lease: subnet mask (1), router (3), DNS servers
     * (6), domain name (15), domain search (119, RFC 1035 labels) and interface MTU (26).
     */
    public static byte[] of(PortEntry port) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        option(out, 1, ints(port.subnet().mask()));
        option(out, 3, ints(port.gateway().value()));
        PortEntry.Dhcp dhcp = port.dhcp();
        // DNS servers: the network's own, else the gateway, where the host answers the network's names
        option(out, 6, dhcp.dnsServers().isEmpty() ? ints(port.gateway().value()) : ints(dhcp.dnsServers().stream().mapToInt(Ipv4::value).toArray()));
        if (dhcp.domain() != null) {
            byte[] domain = dhcp.domain().getBytes(StandardCharsets.US_ASCII);
            option(out, 15, domain);
            option(out, 119, DnsName.encode(dhcp.domain()));
        }
        option(out, 26, new byte[] {(byte) (dhcp.mtu() >>> 8), (byte) dhcp.mtu()});
        return out.toByteArray();
    }

    private static byte[] ints(int... values) {
        byte[] bytes = new byte[values.length * 4];
        for (int k = 0; k < values.length; k++) {
            bytes[4 * k] = (byte) (values[k] >>> 24);
            bytes[4 * k + 1] = (byte) (values[k] >>> 16);
            bytes[4 * k + 2] = (byte) (values[k] >>> 8);
            bytes[4 * k + 3] = (byte) values[k];
        }
        return bytes;
    }

    private static void option(ByteArrayOutputStream out, int code, byte[] value) {
        out.write(code);
        out.write(value.length);
        out.writeBytes(value);
    }

}

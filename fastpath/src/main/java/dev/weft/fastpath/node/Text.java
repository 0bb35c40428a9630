package dev.weft.fastpath.node;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;

/** How trace lines write addresses and flows; used only when a packet is traced. */
final class Text {

    private Text() {
    }

    static String ip(int address) {
        return new Ipv4(address).toString();
    }

    static String mac(long address) {
        return new MacAddress(address).toString();
    }

    static String flow(PacketBatch b, int i) {
        String src = ip(b.srcIp[i]);
        String dst = ip(b.dstIp[i]);
        return switch (b.protocol[i]) {
            case Parser.TCP -> "TCP " + src + ":" + b.srcPort[i] + " → " + dst + ":" + b.dstPort[i];
            case Parser.UDP -> "UDP " + src + ":" + b.srcPort[i] + " → " + dst + ":" + b.dstPort[i];
            case Parser.ICMP -> "ICMP " + src + " → " + dst + ((b.flags[i] & Parser.FLAG_ECHO) != 0
                    ? (b.dstPort[i] == 8 ? " echo request" : " echo reply") + " id " + b.srcPort[i] : "");
            default -> "IP protocol " + b.protocol[i] + " " + src + " → " + dst;
        };
    }
}

package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.FlowHash;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.List;

/**
 * IPv4 from a port or the underlay: anti-spoofing for ports (a VM sends only with its own MAC and IP; one that forwards
 * IP, a virtual appliance, with its own MAC and any address); what the host answers itself (DHCP, DNS and ICMP echo to
 * a gateway address, health probes' answers) goes to its node; then the flow hash of every packet, with the Vector API
 * across the batch's columns.
 */
public final class Ip4Input implements Node {

    public static final String NAME = "ip4-input";
    static final int FLOW_LOOKUP = 0;
    static final int DHCP = 1;
    static final int DNS = 2;
    static final int DNS_TCP = 3;
    static final int LB_PROBE = 4;
    static final int ICMP_ECHO = 5;

    private final dev.weft.fastpath.lb.ProbeTable probes;

    public Ip4Input(dev.weft.fastpath.lb.ProbeTable probes) {
        this.probes = probes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(FlowLookup.NAME, DhcpServer.NAME, DnsServer.NAME, DnsTcp.NAME, LbProbe.NAME, IcmpEcho.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        if (count >= 8) {
            FlowHash.vector(b, b.count()); // lanes of packets that aren't IPv4 hash garbage that nobody reads
        } else {
            for (int k = 0; k < count; k++) {
                int i = vector[k];
                b.hash[i] = FlowHash.hash(b.srcIp[i], b.dstIp[i], b.protocol[i], b.srcPort[i], b.dstPort[i], b.inPort[i]);
            }
        }
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int in = b.inPort[i];
            if (in >= 0 && b.protocol[i] == Parser.UDP && b.dstPort[i] == DhcpServer.SERVER_PORT) {
                if (tracing) {
                    d.trace(i, "DHCP to the host: answered here, never forwarded (exempt from the source check)");
                }
                next[k] = DHCP; // from 0.0.0.0 while the VM has no address yet
                continue;
            }
            if (in >= 0 && (Bytes.mac(b.memory(), b.start[i] + 6) != t.portMac[in]
                    || (b.srcIp[i] != t.portIp[in] && !t.portForwards[in] && !(t.balances() && t.isFloatingSource(in, b.srcIp[i]))))) {
                next[k] = d.drop(i, DropReason.SPOOFED_SOURCE);
                continue;
            }
            if (in >= 0 && b.protocol[i] == Parser.TCP && b.dstIp[i] == t.portGateway[in] && dev.weft.fastpath.lb.ProbeTable.isProbePort(b.dstPort[i])
                    && probes.pending(b.vni[i], b.srcIp[i], b.dstPort[i]) != null) {
                if (tracing) {
                    d.trace(i, "an answer to the host's health probe");
                }
                next[k] = LB_PROBE;
                continue;
            }
            if (in >= 0 && (b.protocol[i] == Parser.UDP || b.protocol[i] == Parser.TCP) && b.dstPort[i] == DnsServer.PORT
                    && b.dstIp[i] == t.portGateway[in]) {
                if (tracing) {
                    d.trace(i, "DNS to the gateway: answered by the host");
                }
                next[k] = b.protocol[i] == Parser.UDP ? DNS : DNS_TCP;
                continue;
            }
            if (in >= 0 && b.protocol[i] == Parser.ICMP && b.dstPort[i] == 8 && (b.flags[i] & (Parser.FLAG_ECHO | Parser.FLAG_FRAGMENT)) == Parser.FLAG_ECHO
                    && (b.dstIp[i] == t.portGateway[in] || t.isGateway(b.vni[i], b.dstIp[i]))) {
                if (tracing) {
                    d.trace(i, "ICMP echo request to a gateway address: answered by the router");
                }
                next[k] = ICMP_ECHO;
                continue;
            }
            if (tracing) {
                d.trace(i, (in >= 0 ? "source MAC and address are the port's own" : "from the underlay") + ", flow hash " + Integer.toHexString(b.hash[i]));
            }
            next[k] = FLOW_LOOKUP;
        }
    }
}

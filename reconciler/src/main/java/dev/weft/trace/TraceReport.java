package dev.weft.trace;

import dev.weft.contract.TraceResponse;
import java.util.List;

/**
 * The path of one synthetic packet: each host's node decisions in order, and how it ended.
 *
 * @param ttl        the TTL the packet was sent with
 * @param delivered  whether it reached a port ({@code port} on {@code host}); otherwise it was dropped on
 *                   {@code host} by {@code dropNode} for {@code dropReason}, or it left {@code host} by its uplink device
 *                   {@code uplink} (then non-null)
 * @param segments   how many TCP segments the packet carries: 1, or a VM's TSO frame's (with {@code --tso})
 * @param cutOn      the host that cut such a frame into its segments, or null: it went all the way as one GSO frame
 * @param vlan       the 802.1Q VLAN the VM sent it on ({@code weft trace --vlan}), or 0: untagged
 */
public record TraceReport(String revision, String from, String to, String protocol, int sourcePort, int destinationPort, int ttl,
                          List<Step> steps, boolean delivered, String host, String port, String dropNode, String dropReason, String uplink,
                          int segments, String cutOn, int vlan) {

    /** This report for a packet sent on 802.1Q VLAN {@code vlan} (0: untagged). */
    TraceReport onVlan(int vlan) {
        return new TraceReport(revision, from, to, protocol, sourcePort, destinationPort, ttl, steps, delivered, host, port, dropNode,
                dropReason, uplink, segments, cutOn, vlan);
    }

    /** One node's decision on one host. */
    public record Step(String host, String node, String decision) {
    }

    public TraceReport {
        steps = List.copyOf(steps);
    }

    static List<Step> steps(TraceResponse response) {
        return response.hops().stream().map(h -> new Step(response.host(), h.node(), h.decision())).toList();
    }
}

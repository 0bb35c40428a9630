package dev.weft.fastpath.security;

import java.util.List;

/**
 * The security layers of one port: a flow into the port must be allowed by every inbound layer (the
 * subnet's group, then the interface's), a flow out of it by every outbound layer (interface, then subnet).
 */
public record PortSecurity(List<RuleTable> inbound, List<RuleTable> outbound) {

    public PortSecurity {
        inbound = List.copyOf(inbound);
        outbound = List.copyOf(outbound);
    }

    /** Whether every layer allows the flow; {@code hits} (when not null) receives the deciding rule of each layer. */
    public static boolean allows(List<RuleTable> layers, int src, int dst, int protocol, int srcPort, int dstPort, RuleHits hits) {
        for (RuleTable layer : layers) {
            int rule = Classifier.vector(layer, src, dst, protocol, srcPort, dstPort);
            boolean allowed = rule >= 0 && layer.rules.get(rule).allow();
            if (hits != null && rule >= 0) {
                hits.hit(layer, rule, allowed);
            }
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** Receives the rule that decided a new flow in a layer, for counters and audit logs. */
    public interface RuleHits {
        void hit(RuleTable layer, int rule, boolean allowed);
    }
}

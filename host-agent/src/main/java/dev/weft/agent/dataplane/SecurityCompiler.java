package dev.weft.agent.dataplane;

import dev.weft.contract.SecurityLayer;
import dev.weft.contract.SecurityRule;
import dev.weft.fastpath.security.PortSecurity;
import dev.weft.fastpath.security.RuleTable;
import java.util.List;

/** A Port's security layers (typed, as the contract carries them) compiled into the fastpath's rule tables. */
public final class SecurityCompiler {

    private SecurityCompiler() {
    }

    /** Null when no layer filters the port. */
    public static PortSecurity of(dev.weft.contract.PortSecurity security) {
        if (!security.filters()) {
            return null;
        }
        return new PortSecurity(layers(security.inbound()), layers(security.outbound()));
    }

    private static List<RuleTable> layers(List<SecurityLayer> layers) {
        return layers.stream().map(layer -> new RuleTable(layer.group(), layer.rules().stream().map(SecurityCompiler::rule).toList())).toList();
    }

    private static RuleTable.Rule rule(SecurityRule r) {
        return new RuleTable.Rule(r.name(), r.action() == SecurityRule.Access.Allow, protocol(r.protocol()),
                r.source().stream().map(p -> new int[] {p.networkAddress().value(), p.mask()}).toList(),
                r.destination().stream().map(p -> new int[] {p.networkAddress().value(), p.mask()}).toList(),
                r.sourcePorts().stream().map(p -> new int[] {p.from(), p.to()}).toList(),
                r.destinationPorts().stream().map(p -> new int[] {p.from(), p.to()}).toList(),
                r.logging());
    }

    private static int protocol(SecurityRule.Protocol protocol) {
        return switch (protocol) {
            case TCP -> 6;
            case UDP -> 17;
            case ICMP -> 1;
            case Any -> RuleTable.ANY_PROTOCOL;
        };
    }
}

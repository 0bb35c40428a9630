package dev.weft.agent;

import dev.weft.fastpath.security.PortSecurity;
import dev.weft.fastpath.security.RuleTable;
import dev.weft.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A Port object's {@code security} (layers of a group's ordered rules, as the compiler wrote them) for the fastpath. */
public final class SecurityCompiler {

    private SecurityCompiler() {
    }

    /** Null when the port has no security layers. */
    public static PortSecurity of(Map<String, Object> security) {
        if (security == null) {
            return null;
        }
        return new PortSecurity(layers(security.get("inbound")), layers(security.get("outbound")));
    }

    private static List<RuleTable> layers(Object value) {
        List<RuleTable> layers = new ArrayList<>();
        for (Object layer : (List<?>) value) {
            List<RuleTable.Rule> rules = new ArrayList<>();
            for (Object entry : (List<?>) ((Map<?, ?>) layer).get("rules")) {
                Map<?, ?> r = (Map<?, ?>) entry;
                rules.add(new RuleTable.Rule((String) r.get("name"), "Allow".equals(r.get("action")), protocol((String) r.get("protocol")),
                        prefixes(r.get("source")), prefixes(r.get("destination")), ranges(r.get("sourcePorts")), ranges(r.get("destinationPorts")),
                        Boolean.TRUE.equals(r.get("logging"))));
            }
            layers.add(new RuleTable((String) ((Map<?, ?>) layer).get("group"), rules));
        }
        return layers;
    }

    private static int protocol(String name) {
        return switch (name) {
            case "TCP" -> 6;
            case "UDP" -> 17;
            case "ICMP" -> 1;
            default -> RuleTable.ANY_PROTOCOL;
        };
    }

    private static List<int[]> prefixes(Object value) {
        return ((List<?>) value).stream().map(p -> Ipv4Prefix.parse((String) p)).map(p -> new int[] {p.networkAddress().value(), p.mask()}).toList();
    }

    private static List<int[]> ranges(Object value) {
        return ((List<?>) value).stream().map(r -> ((String) r).split("-")).map(r -> new int[] {Integer.parseInt(r[0]), Integer.parseInt(r[1])}).toList();
    }
}

package dev.weft.compile;

import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.model.NetworkSecurityGroup;
import dev.weft.model.PortRange;
import dev.weft.model.ResourceId;
import dev.weft.model.SecurityRule;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The security groups that filter one port, compiled into layers (as VFP stacks them): inbound the
 * subnet's group then the interface's, outbound the interface's then the subnet's; a flow must be allowed
 * by every layer. Each layer is its group's rules sorted by priority, with {@code VirtualNetwork} and
 * {@code *} expanded into prefixes, and the default rules below them: allow inside the virtual network,
 * allow outbound, deny all other inbound.
 */
final class SecurityLayers {

    private SecurityLayers() {
    }

    /** The port's layers, or null when no group filters it. */
    static Map<String, Object> of(Model model, NetworkInterface nic, VirtualNetwork network, Subnet subnet) {
        Optional<NetworkSecurityGroup> subnetGroup = subnet.networkSecurityGroup().map(g -> group(model, nic.namespace(), g));
        Optional<NetworkSecurityGroup> nicGroup = nic.networkSecurityGroup().map(g -> group(model, nic.namespace(), g));
        if (subnetGroup.isEmpty() && nicGroup.isEmpty()) {
            return null;
        }
        List<Object> inbound = new ArrayList<>();
        List<Object> outbound = new ArrayList<>();
        subnetGroup.ifPresent(g -> inbound.add(layer(g, SecurityRule.Direction.Inbound, network)));
        nicGroup.ifPresent(g -> inbound.add(layer(g, SecurityRule.Direction.Inbound, network)));
        nicGroup.ifPresent(g -> outbound.add(layer(g, SecurityRule.Direction.Outbound, network)));
        subnetGroup.ifPresent(g -> outbound.add(layer(g, SecurityRule.Direction.Outbound, network)));
        return Map.of("inbound", inbound, "outbound", outbound);
    }

    private static NetworkSecurityGroup group(Model model, String namespace, String name) {
        return model.securityGroups().get(new ResourceId(dev.weft.model.Kind.NetworkSecurityGroup, namespace, name));
    }

    private static Map<String, Object> layer(NetworkSecurityGroup group, SecurityRule.Direction direction, VirtualNetwork network) {
        List<SecurityRule> rules = new ArrayList<>(group.rules().stream().filter(r -> r.direction() == direction).toList());
        rules.addAll(defaults(direction));
        rules.sort(Comparator.comparingInt(SecurityRule::priority));
        List<Object> compiled = new ArrayList<>();
        for (SecurityRule r : rules) {
            Map<String, Object> rule = new TreeMap<>();
            rule.put("name", r.name());
            rule.put("priority", r.priority());
            rule.put("action", r.action().name());
            rule.put("protocol", r.protocol().name());
            rule.put("source", prefixes(r.sourceAddressPrefixes(), network));
            rule.put("destination", prefixes(r.destinationAddressPrefixes(), network));
            rule.put("sourcePorts", r.sourcePortRanges().stream().map(p -> p.from() + "-" + p.to()).toList());
            rule.put("destinationPorts", r.destinationPortRanges().stream().map(p -> p.from() + "-" + p.to()).toList());
            rule.put("logging", r.logging());
            compiled.add(rule);
        }
        return Map.of("group", group.namespace() + "/" + group.name(), "rules", compiled);
    }

    private static List<String> prefixes(List<String> values, VirtualNetwork network) {
        List<String> out = new ArrayList<>();
        for (String value : values) {
            switch (value) {
                case "*" -> out.add("0.0.0.0/0");
                case "VirtualNetwork" -> network.addressSpace().forEach(p -> out.add(p.toString()));
                default -> out.add(Ipv4Prefix.parse(value).toString());
            }
        }
        return out;
    }

    private static List<SecurityRule> defaults(SecurityRule.Direction direction) {
        List<String> any = List.of("*");
        List<String> vnet = List.of("VirtualNetwork");
        List<PortRange> all = List.of(PortRange.ANY);
        SecurityRule.Access allow = SecurityRule.Access.Allow;
        SecurityRule.Access deny = SecurityRule.Access.Deny;
        SecurityRule.Protocol anyProtocol = SecurityRule.Protocol.Any;
        if (direction == SecurityRule.Direction.Inbound) {
            return List.of(
                    new SecurityRule("AllowVnetInBound", null, 65000, direction, allow, anyProtocol, vnet, vnet, all, all, false),
                    new SecurityRule("DenyAllInBound", null, 65500, direction, deny, anyProtocol, any, any, all, all, false));
        }
        return List.of(
                new SecurityRule("AllowVnetOutBound", null, 65000, direction, allow, anyProtocol, vnet, vnet, all, all, false),
                new SecurityRule("AllowInternetOutBound", null, 65001, direction, allow, anyProtocol, any, any, all, all, false),
                new SecurityRule("DenyAllOutBound", null, 65500, direction, deny, anyProtocol, any, any, all, all, false));
    }
}

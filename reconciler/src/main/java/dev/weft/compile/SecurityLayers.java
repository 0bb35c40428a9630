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
import dev.weft.contract.PortSecurity;
import dev.weft.contract.SecurityLayer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The security groups that filter one port, compiled into layers (as VFP stacks them): inbound the
 * subnet's group then the interface's, outbound the interface's then the subnet's; a flow must be allowed
 * by every layer. Each layer is its group's rules sorted by priority, with {@code VirtualNetwork} and
 * {@code *} expanded into prefixes, and the default rules below them: allow inside the virtual network,
 * allow outbound, deny all other inbound. A NIC with a public address and no group gets the default rules
 * alone, so the internet reaches it only where a group allows.
 */
final class SecurityLayers {

    /** The layer of a NIC with a public address and no group: the default rules alone (inbound only what it asked for). */
    static final String PUBLIC_DEFAULTS = "public-ip-defaults";

    private SecurityLayers() {
    }

    /** The port's layers, {@link PortSecurity#NONE} when no group filters it. */
    static PortSecurity of(Model model, NetworkInterface nic, VirtualNetwork network, Subnet subnet) {
        Optional<NetworkSecurityGroup> subnetGroup = subnet.networkSecurityGroup().map(g -> group(model, nic.namespace(), g));
        Optional<NetworkSecurityGroup> nicGroup = nic.networkSecurityGroup().map(g -> group(model, nic.namespace(), g));
        if (subnetGroup.isEmpty() && nicGroup.isEmpty()) {
            if (nic.publicIPAddress().isEmpty()) {
                return PortSecurity.NONE;
            }
            // secure by default: a public address is reachable from the internet only where a group allows it
            nicGroup = Optional.of(new NetworkSecurityGroup(nic.namespace(), PUBLIC_DEFAULTS, java.util.Map.of(), List.of()));
        }
        List<Ipv4Prefix> peered = model.activePeers(network.id()).stream().flatMap(p -> model.networks().get(p).addressSpace().stream()).toList();
        List<SecurityLayer> inbound = new ArrayList<>();
        List<SecurityLayer> outbound = new ArrayList<>();
        subnetGroup.ifPresent(g -> inbound.add(layer(g, SecurityRule.Direction.Inbound, network, peered)));
        nicGroup.ifPresent(g -> inbound.add(layer(g, SecurityRule.Direction.Inbound, network, peered)));
        nicGroup.ifPresent(g -> outbound.add(layer(g, SecurityRule.Direction.Outbound, network, peered)));
        subnetGroup.ifPresent(g -> outbound.add(layer(g, SecurityRule.Direction.Outbound, network, peered)));
        return new PortSecurity(inbound, outbound);
    }

    private static NetworkSecurityGroup group(Model model, String namespace, String name) {
        return model.securityGroups().get(new ResourceId(dev.weft.model.Kind.NetworkSecurityGroup, namespace, name));
    }

    private static SecurityLayer layer(NetworkSecurityGroup group, SecurityRule.Direction direction, VirtualNetwork network, List<Ipv4Prefix> peered) {
        List<SecurityRule> rules = new ArrayList<>(group.rules().stream().filter(r -> r.direction() == direction).toList());
        rules.addAll(defaults(direction));
        rules.sort(Comparator.comparingInt(SecurityRule::priority));
        List<dev.weft.contract.SecurityRule> compiled = new ArrayList<>();
        for (SecurityRule r : rules) {
            compiled.add(new dev.weft.contract.SecurityRule(r.name(), r.priority(),
                    dev.weft.contract.SecurityRule.Access.valueOf(r.action().name()),
                    dev.weft.contract.SecurityRule.Protocol.valueOf(r.protocol().name()),
                    prefixes(r.sourceAddressPrefixes(), network, peered), prefixes(r.destinationAddressPrefixes(), network, peered),
                    ranges(r.sourcePortRanges()), ranges(r.destinationPortRanges()), r.logging()));
        }
        return new SecurityLayer(group.namespace() + "/" + group.name(), compiled);
    }

    private static List<Ipv4Prefix> prefixes(List<String> values, VirtualNetwork network, List<Ipv4Prefix> peered) {
        List<Ipv4Prefix> out = new ArrayList<>();
        for (String value : values) {
            switch (value) {
                case "*" -> out.add(Ipv4Prefix.parse("0.0.0.0/0"));
                case "VirtualNetwork" -> {
                    out.addAll(network.addressSpace());
                    out.addAll(peered); // the tag covers peered networks' spaces too, as Azure's does
                }
                default -> out.add(Ipv4Prefix.parse(value));
            }
        }
        return out;
    }

    private static List<dev.weft.contract.PortRange> ranges(List<PortRange> ranges) {
        return ranges.stream().map(p -> new dev.weft.contract.PortRange(p.from(), p.to())).toList();
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

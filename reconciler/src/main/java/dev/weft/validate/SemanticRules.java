package dev.weft.validate;

import dev.weft.manifest.Document;
import dev.weft.manifest.Problem;
import dev.weft.model.Host;
import dev.weft.model.Kind;
import dev.weft.model.NetworkInterface;
import dev.weft.model.NetworkSecurityGroup;
import dev.weft.model.PortRange;
import dev.weft.model.SecurityRule;
import dev.weft.model.ResourceId;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.fastpath.io.TapNames;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The rules that span fields and documents: references resolve inside the tenant, VNIs, addresses and
 * MACs are unique, prefixes nest and don't overlap. Each rule reports at the field that breaks it.
 */
final class SemanticRules {

    /** A resource and the document that declared it, for error locations. */
    record Declared<T>(T resource, Locator.DocumentRef source) {
        Document document() {
            return source.document();
        }
    }

    /** Smallest usable subnet: /30 leaves one address after network, gateway and broadcast. */
    private static final int LONGEST_SUBNET_PREFIX = 30;

    private final Set<ResourceId> declared;
    private final Consumer<Problem> report;

    /**
     * @param declared every resource id some document declares, including documents with schema errors,
     *                 so a reference to a broken resource is not also reported as dangling
     */
    SemanticRules(Set<ResourceId> declared, Consumer<Problem> report) {
        this.declared = declared;
        this.report = report;
    }

    void check(List<Declared<Host>> hosts, List<Declared<VirtualNetwork>> networks, List<Declared<NetworkInterface>> nics) {
        checkHosts(hosts);
        Map<ResourceId, VirtualNetwork> byId = new HashMap<>();
        networks.forEach(n -> byId.put(n.resource().id(), n.resource()));
        checkNetworks(networks);
        checkInterfaces(nics, byId);
    }

    /**
     * Security groups: rule names unique, priorities unique per direction, port ranges in order, prefixes
     * without host bits; and every reference from a subnet or an interface resolves in its namespace.
     */
    void checkSecurityGroups(List<Declared<NetworkSecurityGroup>> groups, List<Declared<VirtualNetwork>> networks,
                             List<Declared<NetworkInterface>> nics) {
        for (Declared<NetworkSecurityGroup> g : groups) {
            Map<String, Integer> names = new HashMap<>();
            Map<String, Integer> priorities = new HashMap<>();
            List<SecurityRule> rules = g.resource().rules();
            for (int i = 0; i < rules.size(); i++) {
                SecurityRule rule = rules.get(i);
                String at = "/spec/securityRules/" + i;
                Integer sameName = names.putIfAbsent(rule.name(), i);
                if (sameName != null) {
                    report.accept(g.document().problem(at + "/name", "duplicate rule name \"" + rule.name() + "\" (also securityRules[" + sameName + "])"));
                }
                Integer samePriority = priorities.putIfAbsent(rule.direction() + "/" + rule.priority(), i);
                if (samePriority != null) {
                    report.accept(g.document().problem(at + "/priority", "priority " + rule.priority() + " is already used by "
                            + rule.direction() + " rule " + rules.get(samePriority).name() + "; priorities are unique per direction"));
                }
                checkRanges(g, at + "/sourcePortRanges", rule.sourcePortRanges());
                checkRanges(g, at + "/destinationPortRanges", rule.destinationPortRanges());
                checkPrefixes(g, at + "/sourceAddressPrefixes", rule.sourceAddressPrefixes());
                checkPrefixes(g, at + "/destinationAddressPrefixes", rule.destinationAddressPrefixes());
            }
        }
        for (Declared<VirtualNetwork> n : networks) {
            List<Subnet> subnets = n.resource().subnets();
            for (int i = 0; i < subnets.size(); i++) {
                String group = subnets.get(i).networkSecurityGroup().orElse(null);
                if (group != null && !declared.contains(new ResourceId(Kind.NetworkSecurityGroup, n.resource().namespace(), group))) {
                    report.accept(n.document().problem("/spec/subnets/" + i + "/networkSecurityGroup", "network security group \"" + group
                            + "\" does not exist in namespace " + n.resource().namespace()));
                }
            }
        }
        for (Declared<NetworkInterface> d : nics) {
            String group = d.resource().networkSecurityGroup().orElse(null);
            if (group != null && !declared.contains(new ResourceId(Kind.NetworkSecurityGroup, d.resource().namespace(), group))) {
                report.accept(d.document().problem("/spec/networkSecurityGroup", "network security group \"" + group
                        + "\" does not exist in namespace " + d.resource().namespace()));
            }
        }
    }

    private void checkRanges(Declared<NetworkSecurityGroup> g, String pointer, List<PortRange> ranges) {
        for (int k = 0; k < ranges.size(); k++) {
            PortRange range = ranges.get(k);
            if (range != null && range.from() > range.to()) {
                report.accept(g.document().problem(pointer + "/" + k, range.from() + "-" + range.to()
                        + " starts after it ends; did you mean " + range.to() + "-" + range.from() + "?"));
            }
        }
    }

    private void checkPrefixes(Declared<NetworkSecurityGroup> g, String pointer, List<String> prefixes) {
        for (int k = 0; k < prefixes.size(); k++) {
            Ipv4Prefix prefix = Ipv4Prefix.tryParse(prefixes.get(k));
            if (prefix != null && prefix.hasHostBits()) {
                report.accept(g.document().problem(pointer + "/" + k, prefix + " has host bits set; did you mean " + prefix.network() + "?"));
            }
        }
    }

    private void checkHosts(List<Declared<Host>> hosts) {
        Map<Ipv4, Declared<Host>> byUnderlay = new HashMap<>();
        for (Declared<Host> h : hosts) {
            Declared<Host> first = byUnderlay.putIfAbsent(h.resource().underlayAddress(), h);
            if (first != null) {
                report.accept(h.document().problem("/spec/underlayAddress", h.resource().underlayAddress()
                        + " is already the underlay address of host " + first.resource().name() + " (" + where(first, "/spec/underlayAddress") + ")"));
            }
        }
    }

    private void checkNetworks(List<Declared<VirtualNetwork>> networks) {
        Map<Integer, Declared<VirtualNetwork>> byVni = new HashMap<>();
        for (Declared<VirtualNetwork> n : networks) {
            VirtualNetwork network = n.resource();
            Locator.DocumentRef doc = n.source();
            Declared<VirtualNetwork> first = byVni.putIfAbsent(network.vni(), n);
            if (first != null) {
                report.accept(doc.document().problem("/spec/vni", "VNI " + network.vni() + " is already used by virtual network "
                        + first.resource().namespace() + "/" + first.resource().name() + " (" + where(first, "/spec/vni") + ")"));
            }
            List<Ipv4Prefix> space = network.addressSpace();
            for (int i = 0; i < space.size(); i++) {
                String pointer = "/spec/addressSpace/" + i;
                checkHostBits(doc, pointer, space.get(i));
                for (int j = 0; j < i; j++) {
                    if (space.get(i).overlaps(space.get(j))) {
                        report.accept(doc.document().problem(pointer, space.get(i) + " overlaps " + space.get(j) + " (addressSpace[" + j + "])"));
                    }
                }
            }
            checkSubnets(doc, network);
        }
    }

    private void checkSubnets(Locator.DocumentRef doc, VirtualNetwork network) {
        List<Subnet> subnets = network.subnets();
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < subnets.size(); i++) {
            Subnet subnet = subnets.get(i);
            String pointer = "/spec/subnets/" + i;
            Integer firstIndex = byName.putIfAbsent(subnet.name(), i);
            if (firstIndex != null) {
                report.accept(doc.document().problem(pointer + "/name", "duplicate subnet name \"" + subnet.name() + "\" (also subnets[" + firstIndex + "])"));
            }
            Ipv4Prefix prefix = subnet.addressPrefix();
            String prefixPointer = pointer + "/addressPrefix";
            checkHostBits(doc, prefixPointer, prefix);
            if (prefix.length() > LONGEST_SUBNET_PREFIX) {
                report.accept(doc.document().problem(prefixPointer, prefix + " is too small for a subnet: the longest prefix is /"
                        + LONGEST_SUBNET_PREFIX + " (network, gateway and broadcast addresses are reserved)"));
            }
            if (network.addressSpace().stream().noneMatch(space -> space.contains(prefix))) {
                report.accept(doc.document().problem(prefixPointer, prefix + " of subnet " + subnet.name() + " is outside the address space "
                        + network.addressSpace()));
            }
            for (int j = 0; j < i; j++) {
                Subnet other = subnets.get(j);
                if (prefix.overlaps(other.addressPrefix())) {
                    report.accept(doc.document().problem(prefixPointer, prefix + " overlaps subnet " + other.name() + " (" + other.addressPrefix() + ")"));
                }
            }
        }
    }

    private void checkHostBits(Locator.DocumentRef doc, String pointer, Ipv4Prefix prefix) {
        if (prefix.hasHostBits()) {
            report.accept(doc.document().problem(pointer, prefix + " has host bits set; did you mean " + prefix.network() + "?"));
        }
    }

    private void checkInterfaces(List<Declared<NetworkInterface>> nics, Map<ResourceId, VirtualNetwork> networks) {
        Map<String, List<VirtualNetwork>> networksByName = new HashMap<>();
        networks.values().forEach(n -> networksByName.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(n));
        Map<MacAddress, Declared<NetworkInterface>> byMac = new HashMap<>();
        Map<ResourceId, Map<Ipv4, Declared<NetworkInterface>>> byAddress = new HashMap<>();
        Map<String, Declared<NetworkInterface>> byTap = new HashMap<>();
        for (Declared<NetworkInterface> d : nics) {
            NetworkInterface nic = d.resource();
            Locator.DocumentRef doc = d.source();
            checkMac(d, byMac);
            checkTapName(d, byTap);
            if (!declared.contains(new ResourceId(Kind.Host, "", nic.host()))) {
                report.accept(doc.document().problem("/spec/host", "host \"" + nic.host() + "\" does not exist"));
            }
            ResourceId networkId = nic.networkId();
            VirtualNetwork network = networks.get(networkId);
            if (network == null) {
                if (!declared.contains(networkId)) {
                    report.accept(doc.document().problem("/spec/virtualNetwork", danglingNetwork(nic, networksByName)));
                }
                continue; // a network with schema errors: its own errors are reported there
            }
            Subnet subnet = network.subnet(nic.subnet()).orElse(null);
            if (subnet == null) {
                report.accept(doc.document().problem("/spec/subnet", "virtual network " + network.name() + " has no subnet \"" + nic.subnet()
                        + "\" (subnets: " + String.join(", ", network.subnets().stream().map(Subnet::name).toList()) + ")"));
                continue;
            }
            if (checkAddressInSubnet(doc, nic.ipAddress(), subnet)) {
                Declared<NetworkInterface> first = byAddress.computeIfAbsent(networkId, k -> new HashMap<>()).putIfAbsent(nic.ipAddress(), d);
                if (first != null) {
                    report.accept(doc.document().problem("/spec/ipAddress", nic.ipAddress() + " is already the address of interface "
                            + first.resource().name() + " in virtual network " + network.name() + " (" + where(first, "/spec/ipAddress") + ")"));
                }
            }
        }
    }

    /**
     * A NIC's TAP device is named after a 32-bit hash of its key ({@link TapNames}); two NICs on one host
     * whose names hash alike would share a device, so such a pair is refused.
     */
    private void checkTapName(Declared<NetworkInterface> d, Map<String, Declared<NetworkInterface>> byTap) {
        NetworkInterface nic = d.resource();
        String tap = TapNames.of(nic.namespace() + "/" + nic.name());
        Declared<NetworkInterface> first = byTap.putIfAbsent(nic.host() + "/" + tap, d);
        if (first != null) {
            report.accept(d.document().problem("/metadata/name", "on host " + nic.host() + " the TAP device of " + nic.namespace() + "/"
                    + nic.name() + " would be " + tap + ", the same as that of " + first.resource().namespace() + "/" + first.resource().name()
                    + " (" + where(first, "/metadata/name") + "); rename one of them or move it to another host"));
        }
    }

    private String danglingNetwork(NetworkInterface nic, Map<String, List<VirtualNetwork>> networksByName) {
        List<VirtualNetwork> elsewhere = networksByName.getOrDefault(nic.virtualNetwork(), List.of());
        String message = "virtual network \"" + nic.virtualNetwork() + "\" does not exist in namespace " + nic.namespace();
        if (!elsewhere.isEmpty()) {
            message += "; a network interface can only use a virtual network of its own namespace (\""
                    + nic.virtualNetwork() + "\" exists in " + String.join(", ", elsewhere.stream().map(VirtualNetwork::namespace).toList()) + ")";
        }
        return message;
    }

    private void checkMac(Declared<NetworkInterface> d, Map<MacAddress, Declared<NetworkInterface>> byMac) {
        MacAddress mac = d.resource().macAddress();
        if (mac.isMulticast()) {
            report.accept(d.document().problem("/spec/macAddress", mac + " is a multicast address; an interface needs a unicast MAC "
                    + "(the least significant bit of the first octet clear)"));
            return;
        }
        Declared<NetworkInterface> first = byMac.putIfAbsent(mac, d);
        if (first != null) {
            boolean derived = !d.document().body().path("spec").has("macAddress");
            boolean firstDerived = !first.document().body().path("spec").has("macAddress");
            String firstPointer = firstDerived ? "/metadata/name" : "/spec/macAddress";
            report.accept(d.document().problem(derived ? "/metadata/name" : "/spec/macAddress", (derived ? "the MAC address derived for it, " + mac + ","
                    : mac.toString()) + " is already the " + (firstDerived ? "derived " : "") + "MAC address of interface "
                    + first.resource().namespace() + "/" + first.resource().name() + " (" + where(first, firstPointer) + ")"
                    + (derived ? "; set spec.macAddress" : "")));
        }
    }

    /** Reports an address outside its subnet or on a reserved address; true when the address is usable. */
    private boolean checkAddressInSubnet(Locator.DocumentRef doc, Ipv4 ip, Subnet subnet) {
        Ipv4Prefix prefix = subnet.addressPrefix();
        String reserved = null;
        if (!prefix.contains(ip)) {
            report.accept(doc.document().problem("/spec/ipAddress", ip + " is outside subnet " + subnet.name() + " (" + prefix.network() + ")"));
            return false;
        } else if (ip.equals(prefix.networkAddress())) {
            reserved = "network address";
        } else if (ip.equals(prefix.gatewayAddress())) {
            reserved = "gateway address";
        } else if (ip.equals(prefix.broadcastAddress())) {
            reserved = "broadcast address";
        }
        if (reserved != null) {
            report.accept(doc.document().problem("/spec/ipAddress", ip + " is the " + reserved + " of subnet " + subnet.name() + " ("
                    + prefix.network() + "); use an address from " + prefix.gatewayAddress().plus(1) + " to "
                    + prefix.broadcastAddress().plus(-1)));
            return false;
        }
        return true;
    }

    private static String where(Declared<?> declared, String pointer) {
        return declared.document().valueAt(pointer).toString();
    }
}

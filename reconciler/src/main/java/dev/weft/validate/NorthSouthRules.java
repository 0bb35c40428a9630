package dev.weft.validate;

import dev.weft.manifest.Problem;
import dev.weft.model.Host;
import dev.weft.model.Kind;
import dev.weft.model.LogicalNetwork;
import dev.weft.model.NatGateway;
import dev.weft.model.NetworkInterface;
import dev.weft.model.PublicIPAddress;
import dev.weft.model.ResourceId;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.validate.SemanticRules.Declared;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The rules of north–south resources: logical networks, hosts' uplinks, public addresses (inside their
 * logical network's prefix, unique across tenants, not its gateway), who uses each address (one NIC or one
 * NAT gateway), and that a subnet's NAT gateway has a Gateway host with an uplink where its addresses are.
 */
final class NorthSouthRules {

    private final Set<ResourceId> declared;
    private final Consumer<Problem> report;

    NorthSouthRules(Set<ResourceId> declared, Consumer<Problem> report) {
        this.declared = declared;
        this.report = report;
    }

    void check(List<Declared<Host>> hosts, List<Declared<VirtualNetwork>> networks, List<Declared<NetworkInterface>> nics,
               List<Declared<LogicalNetwork>> logicalNetworks, List<Declared<PublicIPAddress>> publicIps, List<Declared<NatGateway>> natGateways) {
        Map<String, LogicalNetwork> logical = new HashMap<>();
        for (Declared<LogicalNetwork> d : logicalNetworks) {
            LogicalNetwork l = d.resource();
            logical.put(l.name(), l);
            Ipv4Prefix prefix = l.addressPrefix();
            String at = "/spec/subnets/0/defaultGateway";
            if (prefix.hasHostBits()) {
                report.accept(d.document().problem("/spec/subnets/0/addressPrefix", prefix + " has host bits set; did you mean " + prefix.network() + "?"));
            } else if (!prefix.contains(l.defaultGateway())) {
                report.accept(d.document().problem(at, l.defaultGateway() + " is outside the logical network's prefix " + prefix));
            } else if (l.defaultGateway().equals(prefix.networkAddress()) || l.defaultGateway().equals(prefix.broadcastAddress())) {
                report.accept(d.document().problem(at, l.defaultGateway() + " is the network or broadcast address of " + prefix));
            }
        }
        for (Declared<Host> d : hosts) {
            d.resource().uplink().ifPresent(u -> {
                if (!declared.contains(new ResourceId(Kind.LogicalNetwork, "", u.logicalNetwork()))) {
                    report.accept(d.document().problem("/spec/uplink/logicalNetwork", "logical network \"" + u.logicalNetwork() + "\" does not exist"));
                }
            });
        }

        Map<ResourceId, PublicIPAddress> addresses = new HashMap<>();
        Map<Ipv4, Declared<PublicIPAddress>> byAddress = new HashMap<>();
        for (Declared<PublicIPAddress> d : publicIps) {
            PublicIPAddress p = d.resource();
            addresses.put(p.id(), p);
            LogicalNetwork l = logical.get(p.logicalNetwork());
            if (l == null) {
                if (!declared.contains(new ResourceId(Kind.LogicalNetwork, "", p.logicalNetwork()))) {
                    report.accept(d.document().problem("/spec/logicalNetwork", "logical network \"" + p.logicalNetwork() + "\" does not exist"));
                }
                continue;
            }
            Ipv4Prefix prefix = l.addressPrefix();
            Ipv4 ip = p.ipAddress();
            if (!prefix.contains(ip)) {
                report.accept(d.document().problem("/spec/ipAddress", ip + " is outside logical network " + l.name() + " (" + prefix + ")"));
                continue;
            }
            if (ip.equals(l.defaultGateway())) {
                report.accept(d.document().problem("/spec/ipAddress", ip + " is the default gateway of logical network " + l.name()));
                continue;
            }
            if (ip.equals(prefix.networkAddress()) || ip.equals(prefix.broadcastAddress())) {
                report.accept(d.document().problem("/spec/ipAddress", ip + " is the network or broadcast address of logical network " + l.name()));
                continue;
            }
            Declared<PublicIPAddress> first = byAddress.putIfAbsent(ip, d);
            if (first != null) {
                report.accept(d.document().problem("/spec/ipAddress", ip + " is already public IP address " + first.resource().namespace() + "/"
                        + first.resource().name() + " (" + where(first, "/spec/ipAddress") + ")"));
            }
        }

        Map<String, Host> hostsByName = new HashMap<>();
        hosts.forEach(h -> hostsByName.put(h.resource().name(), h.resource()));
        Map<ResourceId, String> usedBy = new HashMap<>();
        for (Declared<NetworkInterface> d : nics) {
            NetworkInterface nic = d.resource();
            if (nic.publicIPAddress().isEmpty()) {
                continue;
            }
            ResourceId id = new ResourceId(Kind.PublicIPAddress, nic.namespace(), nic.publicIPAddress().get());
            PublicIPAddress p = addresses.get(id);
            if (p == null) {
                if (!declared.contains(id)) {
                    report.accept(d.document().problem("/spec/publicIPAddress", "public IP address \"" + id.name() + "\" does not exist in namespace "
                            + nic.namespace()));
                }
                continue;
            }
            String previous = usedBy.putIfAbsent(id, "interface " + nic.name());
            if (previous != null) {
                report.accept(d.document().problem("/spec/publicIPAddress", "public IP address " + id.name() + " is already used by " + previous));
                continue;
            }
            Host host = hostsByName.get(nic.host());
            if (host != null && host.uplink().filter(u -> u.logicalNetwork().equals(p.logicalNetwork())).isEmpty()) {
                report.accept(d.document().problem("/spec/publicIPAddress", "host " + nic.host() + " has no uplink on logical network "
                        + p.logicalNetwork() + ", where " + id.name() + " (" + p.ipAddress() + ") is"));
            }
        }

        Map<ResourceId, String> gatewayNetwork = new HashMap<>(); // NAT gateway → its addresses' logical network
        for (Declared<NatGateway> d : natGateways) {
            NatGateway g = d.resource();
            List<String> names = g.publicIPAddresses();
            for (int k = 0; k < names.size(); k++) {
                String at = "/spec/publicIPAddresses/" + k;
                ResourceId id = new ResourceId(Kind.PublicIPAddress, g.namespace(), names.get(k));
                PublicIPAddress p = addresses.get(id);
                if (p == null) {
                    if (!declared.contains(id)) {
                        report.accept(d.document().problem(at, "public IP address \"" + id.name() + "\" does not exist in namespace " + g.namespace()));
                    }
                    continue;
                }
                String network = gatewayNetwork.putIfAbsent(g.id(), p.logicalNetwork());
                if (network != null && !network.equals(p.logicalNetwork())) {
                    report.accept(d.document().problem(at, id.name() + " is on logical network " + p.logicalNetwork()
                            + ", the NAT gateway's other addresses on " + network));
                }
                String previous = usedBy.putIfAbsent(id, "NAT gateway " + g.name());
                if (previous != null) {
                    report.accept(d.document().problem(at, "public IP address " + id.name() + " is already used by " + previous));
                }
            }
        }

        for (Declared<VirtualNetwork> d : networks) {
            List<Subnet> subnets = d.resource().subnets();
            for (int s = 0; s < subnets.size(); s++) {
                if (subnets.get(s).natGateway().isEmpty()) {
                    continue;
                }
                String at = "/spec/subnets/" + s + "/natGateway";
                ResourceId id = new ResourceId(Kind.NatGateway, d.resource().namespace(), subnets.get(s).natGateway().get());
                if (!declared.contains(id)) {
                    report.accept(d.document().problem(at, "NAT gateway \"" + id.name() + "\" does not exist in namespace " + id.namespace()));
                    continue;
                }
                String network = gatewayNetwork.get(id);
                if (network != null && hosts.stream().map(Declared::resource)
                        .noneMatch(h -> h.gateway() && h.uplink().filter(u -> u.logicalNetwork().equals(network)).isPresent())) {
                    report.accept(d.document().problem(at, "NAT gateway " + id.name() + " needs a host with roles: [Gateway] and an uplink on logical network "
                            + network + "; there is none"));
                }
            }
        }
    }

    private static String where(Declared<?> declared, String pointer) {
        return declared.document().valueAt(pointer).toString();
    }
}

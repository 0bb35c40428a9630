package dev.weft.validate;

import dev.weft.manifest.Problem;
import dev.weft.model.Kind;
import dev.weft.model.NetworkInterface;
import dev.weft.model.ResourceId;
import dev.weft.model.RouteTable;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4;
import dev.weft.validate.SemanticRules.Declared;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The rules of route tables: route names and prefixes unique in a table, prefixes without host bits, a next hop address
 * exactly for VirtualAppliance routes; a subnet's table exists in its namespace, and every appliance it routes to is a NIC of
 * that subnet's network with IP forwarding on.
 */
final class RouteRules {

    private final Consumer<Problem> report;

    RouteRules(Consumer<Problem> report) {
        this.report = report;
    }

    void check(List<Declared<RouteTable>> tables, List<Declared<VirtualNetwork>> networks, List<Declared<NetworkInterface>> nics,
               Set<ResourceId> declared) {
        Map<ResourceId, Declared<RouteTable>> byId = new HashMap<>();
        for (Declared<RouteTable> d : tables) {
            byId.put(d.resource().id(), d);
            checkTable(d);
        }
        Map<String, NetworkInterface> byAddress = new HashMap<>(); // network id + address → NIC
        nics.forEach(n -> byAddress.put(n.resource().networkId() + "|" + n.resource().ipAddress(), n.resource()));
        for (Declared<VirtualNetwork> n : networks) {
            VirtualNetwork network = n.resource();
            List<Subnet> subnets = network.subnets();
            for (int i = 0; i < subnets.size(); i++) {
                String name = subnets.get(i).routeTable().orElse(null);
                if (name == null) {
                    continue;
                }
                ResourceId id = new ResourceId(Kind.RouteTable, network.namespace(), name);
                Declared<RouteTable> table = byId.get(id);
                if (table == null) {
                    if (!declared.contains(id)) {
                        report.accept(n.document().problem("/spec/subnets/" + i + "/routeTable", "route table \"" + name + "\" does not exist in namespace "
                                + network.namespace()));
                    }
                    continue;
                }
                List<RouteTable.Route> routes = table.resource().routes();
                for (int r = 0; r < routes.size(); r++) {
                    Ipv4 appliance = routes.get(r).nextHopIpAddress().orElse(null);
                    if (appliance == null || routes.get(r).nextHopType() != RouteTable.NextHop.VirtualAppliance) {
                        continue;
                    }
                    NetworkInterface nic = byAddress.get(network.id() + "|" + appliance);
                    String at = "/spec/routes/" + r + "/nextHopIpAddress";
                    if (nic == null) {
                        report.accept(table.document().problem(at, appliance + " is not the address of a NetworkInterface in network " + network.name()
                                + " (the table is attached to its subnet " + subnets.get(i).name() + "); a virtual appliance is a NIC of the same network"));
                    } else if (!nic.enableIPForwarding()) {
                        report.accept(table.document().problem(at, appliance + " is NetworkInterface " + nic.name()
                                + ", which doesn't forward: set enableIPForwarding: true on it to make it a virtual appliance"));
                    }
                }
            }
        }
    }

    private void checkTable(Declared<RouteTable> d) {
        Set<String> names = new HashSet<>();
        Map<dev.weft.net.Ipv4Prefix, String> prefixes = new HashMap<>();
        List<RouteTable.Route> routes = d.resource().routes();
        for (int r = 0; r < routes.size(); r++) {
            RouteTable.Route route = routes.get(r);
            String at = "/spec/routes/" + r;
            if (!names.add(route.name())) {
                report.accept(d.document().problem(at + "/name", "route \"" + route.name() + "\" is declared twice in route table " + d.resource().name()));
            }
            if (route.addressPrefix().hasHostBits()) {
                report.accept(d.document().problem(at + "/addressPrefix", route.addressPrefix() + " has host bits set; did you mean "
                        + route.addressPrefix().network() + "?"));
            } else {
                String other = prefixes.putIfAbsent(route.addressPrefix(), route.name());
                if (other != null) {
                    report.accept(d.document().problem(at + "/addressPrefix", route.addressPrefix() + " is already the prefix of route \"" + other
                            + "\"; one route per prefix"));
                }
            }
            boolean appliance = route.nextHopType() == RouteTable.NextHop.VirtualAppliance;
            if (appliance && route.nextHopIpAddress().isEmpty()) {
                report.accept(d.document().problem(at, "missing required field \"nextHopIpAddress\": a VirtualAppliance route names the appliance's address"));
            } else if (!appliance && route.nextHopIpAddress().isPresent()) {
                report.accept(d.document().problem(at + "/nextHopIpAddress", "nextHopIpAddress is for VirtualAppliance routes only, not "
                        + route.nextHopType()));
            }
        }
    }
}

package dev.weft.model;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/**
 * The resources that differ between two models, each as a (before, after) pair: before is null for an
 * added resource, after for a removed one. Computed once per change and shared by the compiler (which
 * rebuilds only what these touch) and the plan (which lists them). Unchanged resources are usually the
 * same instances in both models (revisions share parsed files), so the walk is a pointer comparison each.
 */
public record ModelDiff(List<Change<Host>> hosts, List<Change<VirtualNetwork>> networks, List<Change<NetworkInterface>> interfaces,
                        List<Change<NetworkSecurityGroup>> securityGroups, List<Change<LogicalNetwork>> logicalNetworks,
                        List<Change<PublicIPAddress>> publicIps, List<Change<NatGateway>> natGateways,
                        List<Change<LoadBalancer>> loadBalancers, List<Change<VirtualNetworkPeering>> peerings,
                        List<Change<RouteTable>> routeTables, List<Change<VirtualNetworkTap>> taps) {

    /** One resource's two sides. */
    public record Change<R extends Resource>(R before, R after) {
        public ResourceId id() {
            return before != null ? before.id() : after.id();
        }
    }

    public ModelDiff {
        hosts = List.copyOf(hosts);
        networks = List.copyOf(networks);
        interfaces = List.copyOf(interfaces);
        securityGroups = List.copyOf(securityGroups);
        logicalNetworks = List.copyOf(logicalNetworks);
        publicIps = List.copyOf(publicIps);
        natGateways = List.copyOf(natGateways);
        loadBalancers = List.copyOf(loadBalancers);
        peerings = List.copyOf(peerings);
        routeTables = List.copyOf(routeTables);
        taps = List.copyOf(taps);
    }

    public static ModelDiff between(Model before, Model after) {
        return new ModelDiff(changes(before.hosts(), after.hosts()), changes(before.networks(), after.networks()),
                changes(before.interfaces(), after.interfaces()), changes(before.securityGroups(), after.securityGroups()),
                changes(before.logicalNetworks(), after.logicalNetworks()), changes(before.publicIps(), after.publicIps()),
                changes(before.natGateways(), after.natGateways()), changes(before.loadBalancers(), after.loadBalancers()),
                changes(before.peerings(), after.peerings()), changes(before.routeTables(), after.routeTables()),
                changes(before.taps(), after.taps()));
    }

    public boolean isEmpty() {
        return hosts.isEmpty() && networks.isEmpty() && interfaces.isEmpty() && securityGroups.isEmpty() && logicalNetworks.isEmpty()
                && publicIps.isEmpty() && natGateways.isEmpty() && loadBalancers.isEmpty() && peerings.isEmpty() && routeTables.isEmpty() && taps.isEmpty();
    }

    private static <K extends Comparable<K>, R extends Resource> List<Change<R>> changes(NavigableMap<K, R> before, NavigableMap<K, R> after) {
        List<Change<R>> changes = new ArrayList<>();
        SortedMerge.merge(before, after, (key, x, y) -> {
            if (x == null || y == null || (x != y && !x.equals(y))) {
                changes.add(new Change<>(x, y));
            }
        });
        return changes;
    }
}

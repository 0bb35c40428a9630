package dev.weft.model;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/** User routes, attached to subnets of the same tenant by {@code subnets[].routeTable}. */
public record RouteTable(String namespace, String name, Map<String, String> labels, List<Route> routes) implements Resource {

    /** Where a route sends what it matches (the manifest's names). */
    public enum NextHop { VirtualAppliance, VnetLocal, Internet, None }

    /** One route; {@code nextHopIpAddress} for a VirtualAppliance. */
    public record Route(String name, Ipv4Prefix addressPrefix, NextHop nextHopType, Optional<Ipv4> nextHopIpAddress) {
    }

    public RouteTable {
        labels = Map.copyOf(labels);
        routes = List.copyOf(routes);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.RouteTable, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        for (Route r : routes) {
            fields.put("routes[" + r.name() + "]", r.addressPrefix() + " → " + r.nextHopType()
                    + r.nextHopIpAddress().map(a -> " " + a).orElse(""));
        }
        return fields;
    }
}

package dev.weft.model;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.Map;
import java.util.SortedMap;

/** A physical network the hosts' uplinks attach to (cluster-scoped): its subnet and that subnet's default gateway. */
public record LogicalNetwork(String name, Map<String, String> labels, Ipv4Prefix addressPrefix, Ipv4 defaultGateway) implements Resource {

    public LogicalNetwork {
        labels = Map.copyOf(labels);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.LogicalNetwork, "", name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("subnets[0].addressPrefix", addressPrefix.toString());
        fields.put("subnets[0].defaultGateway", defaultGateway.toString());
        return fields;
    }
}

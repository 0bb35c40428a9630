package dev.weft.model;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/** Source NAT for subnets' outbound connections, with the tenant's public addresses, served by one Gateway host. */
public record NatGateway(String namespace, String name, Map<String, String> labels, List<String> publicIPAddresses, int idleTimeoutMinutes)
        implements Resource {

    public static final int DEFAULT_IDLE_TIMEOUT_MINUTES = 4;

    public NatGateway {
        labels = Map.copyOf(labels);
        publicIPAddresses = List.copyOf(publicIPAddresses);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.NatGateway, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("publicIPAddresses", publicIPAddresses.toString());
        fields.put("idleTimeoutMinutes", Integer.toString(idleTimeoutMinutes));
        return fields;
    }
}

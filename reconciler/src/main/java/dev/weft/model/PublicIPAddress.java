package dev.weft.model;

import dev.weft.net.Ipv4;
import java.util.Map;
import java.util.SortedMap;

/** A tenant's public address on a logical network: a NIC's (one-to-one NAT) or a NAT gateway's. */
public record PublicIPAddress(String namespace, String name, Map<String, String> labels, String logicalNetwork, Ipv4 ipAddress)
        implements Resource {

    public PublicIPAddress {
        labels = Map.copyOf(labels);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.PublicIPAddress, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("logicalNetwork", logicalNetwork);
        fields.put("ipAddress", ipAddress.toString());
        return fields;
    }
}

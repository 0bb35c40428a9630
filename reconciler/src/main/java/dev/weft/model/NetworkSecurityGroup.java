package dev.weft.model;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/** A stateful firewall policy of a tenant, attached to subnets and network interfaces of its namespace. */
public record NetworkSecurityGroup(String namespace, String name, Map<String, String> labels, List<SecurityRule> rules) implements Resource {

    public NetworkSecurityGroup {
        labels = Map.copyOf(labels);
        rules = List.copyOf(rules);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.NetworkSecurityGroup, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        for (SecurityRule r : rules) {
            String at = "securityRules[" + r.name() + "].";
            fields.put(at + "priority", Integer.toString(r.priority()));
            fields.put(at + "direction", r.direction().name());
            fields.put(at + "action", r.action().name());
            fields.put(at + "protocol", r.protocol().name());
            fields.put(at + "sourceAddressPrefixes", r.sourceAddressPrefixes().toString());
            fields.put(at + "destinationAddressPrefixes", r.destinationAddressPrefixes().toString());
            fields.put(at + "sourcePortRanges", r.sourcePortRanges().toString());
            fields.put(at + "destinationPortRanges", r.destinationPortRanges().toString());
            fields.put(at + "logging", r.logging() ? "Enabled" : "Disabled");
            if (r.description() != null) {
                fields.put(at + "description", r.description());
            }
        }
        return fields;
    }
}

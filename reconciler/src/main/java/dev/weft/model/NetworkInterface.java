package dev.weft.model;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import java.util.Map;
import java.util.SortedMap;

/** A VM's interface: a port on one host in a subnet of a virtual network of the same tenant. */
public record NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork,
                               String subnet, String host, MacAddress macAddress, Ipv4 ipAddress,
                               java.util.Optional<String> networkSecurityGroup) implements Resource {

    public NetworkInterface {
        labels = Map.copyOf(labels);
    }

    public NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork, String subnet, String host,
                            MacAddress macAddress, Ipv4 ipAddress) {
        this(namespace, name, labels, virtualNetwork, subnet, host, macAddress, ipAddress, java.util.Optional.empty());
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("virtualNetwork", virtualNetwork);
        fields.put("subnet", subnet);
        fields.put("host", host);
        fields.put("macAddress", macAddress.toString());
        fields.put("ipAddress", ipAddress.toString());
        networkSecurityGroup.ifPresent(g -> fields.put("networkSecurityGroup", g));
        return fields;
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.NetworkInterface, namespace, name);
    }

    public ResourceId networkId() {
        return new ResourceId(Kind.VirtualNetwork, namespace, virtualNetwork);
    }
}

package dev.weft.model;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import java.util.Map;

/** A VM's interface: a port on one host in a subnet of a virtual network of the same tenant. */
public record NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork,
                               String subnet, String host, MacAddress macAddress, Ipv4 ipAddress) {

    public NetworkInterface {
        labels = Map.copyOf(labels);
    }

    public ResourceId id() {
        return new ResourceId(Kind.NetworkInterface, namespace, name);
    }

    public ResourceId networkId() {
        return new ResourceId(Kind.VirtualNetwork, namespace, virtualNetwork);
    }
}

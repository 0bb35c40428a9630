package dev.weft.model;

import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A tenant's isolated network: a VNI on the wire, an address space, subnets. */
public record VirtualNetwork(String namespace, String name, Map<String, String> labels, int vni,
                             Encapsulation encapsulation, List<Ipv4Prefix> addressSpace, List<Subnet> subnets) {

    public VirtualNetwork {
        labels = Map.copyOf(labels);
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
    }

    public ResourceId id() {
        return new ResourceId(Kind.VirtualNetwork, namespace, name);
    }

    public Optional<Subnet> subnet(String subnetName) {
        return subnets.stream().filter(s -> s.name().equals(subnetName)).findFirst();
    }
}

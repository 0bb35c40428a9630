package dev.weft.model;

import dev.weft.contract.NetworkSpec;
import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/** A tenant's isolated network: a VNI on the wire, an address space, subnets. */
public record VirtualNetwork(String namespace, String name, Map<String, String> labels, int vni,
                             Encapsulation encapsulation, List<Ipv4Prefix> addressSpace, List<Subnet> subnets,
                             List<dev.weft.net.Ipv4> dnsServers) implements Resource {

    public VirtualNetwork {
        labels = Map.copyOf(labels);
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
        dnsServers = List.copyOf(dnsServers);
    }

    /** A network whose DHCP offers no DNS servers. */
    public VirtualNetwork(String namespace, String name, Map<String, String> labels, int vni, Encapsulation encapsulation,
                          List<Ipv4Prefix> addressSpace, List<Subnet> subnets) {
        this(namespace, name, labels, vni, encapsulation, addressSpace, subnets, List.of());
    }

    /** The DNS domain of the network's names, which DHCP offers as the domain and search list: {@code blue.tenant-a.internal}. */
    public String domain() {
        return NetworkSpec.domain(namespace, name);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.VirtualNetwork, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("vni", Integer.toString(vni));
        fields.put("encapsulation", encapsulation.name());
        fields.put("addressSpace", addressSpace.toString());
        if (!dnsServers.isEmpty()) {
            fields.put("dhcpOptions.dnsServers", dnsServers.toString());
        }
        subnets.forEach(s -> {
            fields.put("subnets[" + s.name() + "].addressPrefix", s.addressPrefix().toString());
            s.networkSecurityGroup().ifPresent(g -> fields.put("subnets[" + s.name() + "].networkSecurityGroup", g));
            s.natGateway().ifPresent(g -> fields.put("subnets[" + s.name() + "].natGateway", g));
            s.routeTable().ifPresent(t -> fields.put("subnets[" + s.name() + "].routeTable", t));
        });
        return fields;
    }

    public Optional<Subnet> subnet(String subnetName) {
        return subnets.stream().filter(s -> s.name().equals(subnetName)).findFirst();
    }
}

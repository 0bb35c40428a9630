package dev.weft.agent.object;

import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Map;

/** A virtual network's VNI, encapsulation, address space and subnets. Key: {@code namespace/name}. */
public record NetworkSpec(String namespace, String name, int vni, String encapsulation, List<Ipv4Prefix> addressSpace,
                          List<Subnet> subnets) {

    /** A subnet and its gateway (the first host address, answered by the host's distributed router). */
    public record Subnet(String name, Ipv4Prefix prefix) {
    }

    public NetworkSpec {
        addressSpace = List.copyOf(addressSpace);
        subnets = List.copyOf(subnets);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public HostObject toObject() {
        return HostObject.of(ObjectKind.Network, key(), Map.of(
                "vni", vni,
                "encapsulation", encapsulation,
                "addressSpace", addressSpace.stream().map(Ipv4Prefix::toString).toList(),
                "subnets", subnets.stream().map(s -> Map.of(
                        "name", s.name(),
                        "prefix", s.prefix().toString(),
                        "gateway", s.prefix().gatewayAddress().toString())).toList()));
    }

    public static NetworkSpec from(HostObject object) {
        Map<String, Object> s = object.spec();
        String[] key = object.key().split("/", 2);
        List<Ipv4Prefix> space = ((List<?>) s.get("addressSpace")).stream().map(p -> Ipv4Prefix.parse((String) p)).toList();
        List<Subnet> subnets = ((List<?>) s.get("subnets")).stream()
                .map(m -> (Map<?, ?>) m)
                .map(m -> new Subnet((String) m.get("name"), Ipv4Prefix.parse((String) m.get("prefix"))))
                .toList();
        return new NetworkSpec(key[0], key[1], ((Number) s.get("vni")).intValue(), (String) s.get("encapsulation"), space, subnets);
    }
}

package dev.weft.validate;

import dev.weft.manifest.Document;
import dev.weft.model.Encapsulation;
import dev.weft.model.Host;
import dev.weft.model.NetworkInterface;
import dev.weft.model.ResourceId;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/** Builds typed model records from documents that passed their schema. */
final class ModelReader {

    private ModelReader() {
    }

    static String namespace(Document document) {
        String namespace = document.text("metadata", "namespace");
        return namespace == null ? ResourceId.DEFAULT_NAMESPACE : namespace;
    }

    static Host host(Document d) {
        return new Host(d.name(), labels(d), Ipv4.parse(d.text("spec", "underlayAddress")),
                Optional.ofNullable(d.text("spec", "agentEndpoint")));
    }

    static VirtualNetwork network(Document d) {
        JsonNode spec = d.body().get("spec");
        List<Ipv4Prefix> addressSpace = new ArrayList<>();
        spec.get("addressSpace").forEach(p -> addressSpace.add(Ipv4Prefix.parse(p.asString())));
        List<Subnet> subnets = new ArrayList<>();
        if (spec.has("subnets")) {
            spec.get("subnets").forEach(s -> subnets.add(
                    new Subnet(s.get("name").asString(), Ipv4Prefix.parse(s.get("addressPrefix").asString()))));
        }
        String encapsulation = d.text("spec", "encapsulation");
        return new VirtualNetwork(namespace(d), d.name(), labels(d), spec.get("vni").asInt(),
                encapsulation == null ? Encapsulation.VXLAN : Encapsulation.valueOf(encapsulation), addressSpace, subnets);
    }

    static NetworkInterface networkInterface(Document d) {
        return new NetworkInterface(namespace(d), d.name(), labels(d), d.text("spec", "virtualNetwork"),
                d.text("spec", "subnet"), d.text("spec", "host"), MacAddress.parse(d.text("spec", "macAddress")),
                Ipv4.parse(d.text("spec", "ipAddress")));
    }

    private static Map<String, String> labels(Document d) {
        Map<String, String> labels = new TreeMap<>();
        JsonNode metadata = d.body().get("metadata");
        JsonNode node = metadata == null ? null : metadata.get("labels");
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        }
        return labels;
    }
}

package dev.weft.validate;

import dev.weft.manifest.Document;
import dev.weft.model.Encapsulation;
import dev.weft.model.Host;
import dev.weft.model.LoadBalancer;
import dev.weft.model.LogicalNetwork;
import dev.weft.model.NatGateway;
import dev.weft.model.PublicIPAddress;
import dev.weft.model.NetworkInterface;
import dev.weft.model.NetworkSecurityGroup;
import dev.weft.model.PortRange;
import dev.weft.model.SecurityRule;
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
        JsonNode spec = d.body().get("spec");
        boolean gateway = false;
        if (spec.has("roles")) {
            for (JsonNode role : spec.get("roles")) {
                gateway |= role.asString().equals("Gateway");
            }
        }
        JsonNode uplink = spec.get("uplink");
        return new Host(d.name(), labels(d), Ipv4.parse(d.text("spec", "underlayAddress")),
                Optional.ofNullable(d.text("spec", "agentEndpoint")), gateway,
                uplink == null ? Optional.empty()
                        : Optional.of(new Host.Uplink(uplink.get("logicalNetwork").asString(), uplink.get("interface").asString())),
                spec.has("outboundCapacityMbps") ? spec.get("outboundCapacityMbps").asInt() : 0);
    }

    static LogicalNetwork logicalNetwork(Document d) {
        JsonNode subnet = d.body().get("spec").get("subnets").get(0);
        return new LogicalNetwork(d.name(), labels(d), Ipv4Prefix.parse(subnet.get("addressPrefix").asString()),
                Ipv4.parse(subnet.get("defaultGateway").asString()));
    }

    static PublicIPAddress publicIp(Document d) {
        return new PublicIPAddress(namespace(d), d.name(), labels(d), d.text("spec", "logicalNetwork"), Ipv4.parse(d.text("spec", "ipAddress")));
    }

    static LoadBalancer loadBalancer(Document d) {
        JsonNode spec = d.body().get("spec");
        List<LoadBalancer.Frontend> frontends = new ArrayList<>();
        spec.get("frontendIPConfigurations").forEach(f -> frontends.add(new LoadBalancer.Frontend(f.get("name").asString(), text(f, "virtualNetwork"),
                text(f, "subnet"), text(f, "privateIPAddress").map(Ipv4::parse), text(f, "publicIPAddress"))));
        List<LoadBalancer.Pool> pools = new ArrayList<>();
        spec.get("backendAddressPools").forEach(p -> {
            List<String> nics = new ArrayList<>();
            p.get("networkInterfaces").forEach(n -> nics.add(n.asString()));
            pools.add(new LoadBalancer.Pool(p.get("name").asString(), nics));
        });
        List<LoadBalancer.Probe> probes = new ArrayList<>();
        if (spec.has("probes")) {
            spec.get("probes").forEach(p -> probes.add(new LoadBalancer.Probe(p.get("name").asString(), p.get("protocol").asString(),
                    p.get("port").asInt(), text(p, "requestPath"), p.has("intervalInSeconds") ? p.get("intervalInSeconds").asInt() : 5,
                    p.has("numberOfProbes") ? p.get("numberOfProbes").asInt() : 2)));
        }
        List<LoadBalancer.Rule> rules = new ArrayList<>();
        spec.get("loadBalancingRules").forEach(r -> rules.add(new LoadBalancer.Rule(r.get("name").asString(), r.get("frontendIPConfiguration").asString(),
                r.get("backendAddressPool").asString(), text(r, "probe"), r.get("protocol").asString(), r.get("frontendPort").asInt(),
                r.get("backendPort").asInt(), text(r, "loadDistribution").filter("SourceIP"::equals).isPresent(),
                r.has("enableFloatingIP") && r.get("enableFloatingIP").asBoolean(), r.has("idleTimeoutInMinutes") ? r.get("idleTimeoutInMinutes").asInt() : 4)));
        List<LoadBalancer.InboundNatRule> nat = new ArrayList<>();
        if (spec.has("inboundNatRules")) {
            spec.get("inboundNatRules").forEach(r -> nat.add(new LoadBalancer.InboundNatRule(r.get("name").asString(),
                    r.get("frontendIPConfiguration").asString(), r.get("protocol").asString(), r.get("frontendPort").asInt(),
                    r.get("backendNetworkInterface").asString(), r.get("backendPort").asInt())));
        }
        return new LoadBalancer(namespace(d), d.name(), labels(d), frontends, pools, probes, rules, nat);
    }

    private static Optional<String> text(JsonNode node, String field) {
        return Optional.ofNullable(node.get(field)).map(JsonNode::asString);
    }

    static dev.weft.model.VirtualNetworkPeering peering(Document d) {
        JsonNode spec = d.body().get("spec");
        JsonNode remote = spec.get("remoteVirtualNetwork");
        return new dev.weft.model.VirtualNetworkPeering(namespace(d), d.name(), labels(d), spec.get("virtualNetwork").asString(),
                new ResourceId(dev.weft.model.Kind.VirtualNetwork, remote.get("namespace").asString(), remote.get("name").asString()),
                spec.has("allowForwardedTraffic") && spec.get("allowForwardedTraffic").asBoolean(), false);
    }

    private static NetworkInterface.QosSettings qosSettings(JsonNode qos) {
        return qos == null ? NetworkInterface.QosSettings.NONE : new NetworkInterface.QosSettings(
                qos.has("inboundMaximumMbps") ? qos.get("inboundMaximumMbps").asInt() : 0, qos.has("outboundMaximumMbps") ? qos.get("outboundMaximumMbps").asInt() : 0,
                qos.has("outboundReservedMbps") ? qos.get("outboundReservedMbps").asInt() : 0);
    }

    static dev.weft.model.VirtualNetworkTap tap(Document d) {
        JsonNode spec = d.body().get("spec");
        List<String> sources = new ArrayList<>();
        spec.get("sources").forEach(s -> sources.add(s.asString()));
        JsonNode destination = spec.get("destination");
        return new dev.weft.model.VirtualNetworkTap(namespace(d), d.name(), labels(d), sources,
                dev.weft.model.VirtualNetworkTap.Direction.valueOf(text(spec, "direction").orElse("Both")), destination.get("networkInterface").asString(),
                destination.has("port") ? destination.get("port").asInt() : dev.weft.model.VirtualNetworkTap.DEFAULT_PORT);
    }

    static dev.weft.model.RouteTable routeTable(Document d) {
        List<dev.weft.model.RouteTable.Route> routes = new ArrayList<>();
        d.body().get("spec").get("routes").forEach(r -> routes.add(new dev.weft.model.RouteTable.Route(r.get("name").asString(),
                Ipv4Prefix.parse(r.get("addressPrefix").asString()), dev.weft.model.RouteTable.NextHop.valueOf(r.get("nextHopType").asString()),
                text(r, "nextHopIpAddress").map(Ipv4::parse))));
        return new dev.weft.model.RouteTable(namespace(d), d.name(), labels(d), routes);
    }

    static NatGateway natGateway(Document d) {
        JsonNode spec = d.body().get("spec");
        List<String> addresses = new ArrayList<>();
        spec.get("publicIPAddresses").forEach(a -> addresses.add(a.asString()));
        return new NatGateway(namespace(d), d.name(), labels(d), addresses,
                spec.has("idleTimeoutMinutes") ? spec.get("idleTimeoutMinutes").asInt() : NatGateway.DEFAULT_IDLE_TIMEOUT_MINUTES);
    }

    static VirtualNetwork network(Document d) {
        JsonNode spec = d.body().get("spec");
        List<Ipv4Prefix> addressSpace = new ArrayList<>();
        spec.get("addressSpace").forEach(p -> addressSpace.add(Ipv4Prefix.parse(p.asString())));
        List<Subnet> subnets = new ArrayList<>();
        if (spec.has("subnets")) {
            spec.get("subnets").forEach(s -> subnets.add(new Subnet(s.get("name").asString(), Ipv4Prefix.parse(s.get("addressPrefix").asString()),
                    Optional.ofNullable(s.get("networkSecurityGroup")).map(JsonNode::asString),
                    Optional.ofNullable(s.get("natGateway")).map(JsonNode::asString),
                    Optional.ofNullable(s.get("routeTable")).map(JsonNode::asString))));
        }
        String encapsulation = d.text("spec", "encapsulation");
        List<Ipv4> dnsServers = new ArrayList<>();
        JsonNode dhcp = spec.get("dhcpOptions");
        if (dhcp != null && dhcp.has("dnsServers")) {
            dhcp.get("dnsServers").forEach(a -> dnsServers.add(Ipv4.parse(a.asString())));
        }
        return new VirtualNetwork(namespace(d), d.name(), labels(d), spec.get("vni").asInt(),
                encapsulation == null ? Encapsulation.VXLAN : Encapsulation.valueOf(encapsulation), addressSpace, subnets, dnsServers);
    }

    static NetworkInterface networkInterface(Document d) {
        String mac = d.text("spec", "macAddress");
        return new NetworkInterface(namespace(d), d.name(), labels(d), d.text("spec", "virtualNetwork"),
                d.text("spec", "subnet"), d.text("spec", "host"),
                mac == null ? NetworkInterface.derivedMac(namespace(d), d.name()) : MacAddress.parse(mac),
                Ipv4.parse(d.text("spec", "ipAddress")), Optional.ofNullable(d.text("spec", "networkSecurityGroup")),
                Optional.ofNullable(d.text("spec", "publicIPAddress")),
                d.body().get("spec").has("enableIPForwarding") && d.body().get("spec").get("enableIPForwarding").asBoolean(),
                qosSettings(d.body().get("spec").get("qosSettings")),
                d.body().get("spec").has("udpReceiveCoalescing") && d.body().get("spec").get("udpReceiveCoalescing").asBoolean());
    }

    static NetworkSecurityGroup securityGroup(Document d) {
        List<SecurityRule> rules = new ArrayList<>();
        JsonNode spec = d.body().get("spec");
        JsonNode list = spec == null ? null : spec.get("securityRules");
        if (list != null) {
            for (JsonNode r : list) {
                rules.add(new SecurityRule(r.get("name").asString(), r.has("description") ? r.get("description").asString() : null,
                        r.get("priority").asInt(), SecurityRule.Direction.valueOf(r.get("direction").asString()),
                        SecurityRule.Access.valueOf(r.get("action").asString()),
                        SecurityRule.Protocol.valueOf(r.has("protocol") ? r.get("protocol").asString() : "Any"),
                        strings(r.get("sourceAddressPrefixes")), strings(r.get("destinationAddressPrefixes")),
                        ports(r.get("sourcePortRanges")), ports(r.get("destinationPortRanges")),
                        r.has("logging") && r.get("logging").asString().equals("Enabled")));
            }
        }
        return new NetworkSecurityGroup(namespace(d), d.name(), labels(d), rules);
    }

    private static List<String> strings(JsonNode list) {
        List<String> values = new ArrayList<>();
        if (list == null) {
            return List.of("*");
        }
        list.forEach(v -> values.add(v.asString()));
        return values;
    }

    private static List<PortRange> ports(JsonNode list) {
        return strings(list).stream().map(PortRange::tryParse).toList();
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

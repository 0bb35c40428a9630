package dev.weft.model;

import dev.weft.net.Ipv4;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/** A tenant's load balancer (Azure Load Balancer's model): frontends, backend pools, probes, rules. */
public record LoadBalancer(String namespace, String name, Map<String, String> labels, List<Frontend> frontends, List<Pool> pools,
                           List<Probe> probes, List<Rule> rules, List<InboundNatRule> inboundNatRules) implements Resource {

    /** A private frontend ({@code virtualNetwork}, {@code subnet}, {@code privateIPAddress}) or a public one ({@code publicIPAddress}). */
    public record Frontend(String name, Optional<String> virtualNetwork, Optional<String> subnet, Optional<Ipv4> privateIPAddress,
                           Optional<String> publicIPAddress) {
    }

    public record Pool(String name, List<String> networkInterfaces) {
        public Pool {
            networkInterfaces = List.copyOf(networkInterfaces);
        }
    }

    public record Probe(String name, String protocol, int port, Optional<String> requestPath, int intervalInSeconds, int numberOfProbes) {
    }

    public record Rule(String name, String frontend, String pool, Optional<String> probe, String protocol, int frontendPort, int backendPort,
                       boolean sourceIp, boolean floatingIp, int idleTimeoutInMinutes) {
    }

    public record InboundNatRule(String name, String frontend, String protocol, int frontendPort, String backendNetworkInterface, int backendPort) {
    }

    public LoadBalancer {
        labels = Map.copyOf(labels);
        frontends = List.copyOf(frontends);
        pools = List.copyOf(pools);
        probes = List.copyOf(probes);
        rules = List.copyOf(rules);
        inboundNatRules = List.copyOf(inboundNatRules);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.LoadBalancer, namespace, name);
    }

    public Optional<Frontend> frontend(String frontendName) {
        return frontends.stream().filter(f -> f.name().equals(frontendName)).findFirst();
    }

    public Optional<Pool> pool(String poolName) {
        return pools.stream().filter(p -> p.name().equals(poolName)).findFirst();
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        for (Frontend f : frontends) {
            String at = "frontendIPConfigurations[" + f.name() + "].";
            f.virtualNetwork().ifPresent(v -> fields.put(at + "virtualNetwork", v));
            f.subnet().ifPresent(v -> fields.put(at + "subnet", v));
            f.privateIPAddress().ifPresent(v -> fields.put(at + "privateIPAddress", v.toString()));
            f.publicIPAddress().ifPresent(v -> fields.put(at + "publicIPAddress", v));
        }
        pools.forEach(p -> fields.put("backendAddressPools[" + p.name() + "].networkInterfaces", p.networkInterfaces().toString()));
        for (Probe p : probes) {
            String at = "probes[" + p.name() + "].";
            fields.put(at + "protocol", p.protocol());
            fields.put(at + "port", Integer.toString(p.port()));
            p.requestPath().ifPresent(v -> fields.put(at + "requestPath", v));
            fields.put(at + "intervalInSeconds", Integer.toString(p.intervalInSeconds()));
            fields.put(at + "numberOfProbes", Integer.toString(p.numberOfProbes()));
        }
        for (Rule r : rules) {
            String at = "loadBalancingRules[" + r.name() + "].";
            fields.put(at + "frontendIPConfiguration", r.frontend());
            fields.put(at + "backendAddressPool", r.pool());
            r.probe().ifPresent(v -> fields.put(at + "probe", v));
            fields.put(at + "protocol", r.protocol());
            fields.put(at + "frontendPort", Integer.toString(r.frontendPort()));
            fields.put(at + "backendPort", Integer.toString(r.backendPort()));
            fields.put(at + "loadDistribution", r.sourceIp() ? "SourceIP" : "Default");
            fields.put(at + "enableFloatingIP", Boolean.toString(r.floatingIp()));
            fields.put(at + "idleTimeoutInMinutes", Integer.toString(r.idleTimeoutInMinutes()));
        }
        for (InboundNatRule r : inboundNatRules) {
            String at = "inboundNatRules[" + r.name() + "].";
            fields.put(at + "frontendIPConfiguration", r.frontend());
            fields.put(at + "protocol", r.protocol());
            fields.put(at + "frontendPort", Integer.toString(r.frontendPort()));
            fields.put(at + "backendNetworkInterface", r.backendNetworkInterface());
            fields.put(at + "backendPort", Integer.toString(r.backendPort()));
        }
        return fields;
    }
}

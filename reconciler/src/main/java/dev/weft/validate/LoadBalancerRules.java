package dev.weft.validate;

import dev.weft.manifest.Problem;
import dev.weft.model.LoadBalancer;
import dev.weft.model.NetworkInterface;
import dev.weft.model.ResourceId;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.validate.SemanticRules.Declared;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The rules of LoadBalancer manifests: names unique in each list, references resolve inside the load balancer
 * and the tenant, a private frontend lies in its subnet and is no interface's address, a public frontend's
 * address is free and some Gateway host can serve it, the backends sit in the frontend's virtual network, no two
 * rules share a frontend, protocol and port, and a floating IP keeps the port (and, public, needs the backends'
 * hosts on the logical network).
 */
final class LoadBalancerRules {

    private final Consumer<Problem> report;

    LoadBalancerRules(Consumer<Problem> report) {
        this.report = report;
    }

    void check(List<Declared<LoadBalancer>> loadBalancers, List<Declared<VirtualNetwork>> networks, List<Declared<NetworkInterface>> nics,
               List<Declared<dev.weft.model.PublicIPAddress>> publicIps, List<Declared<dev.weft.model.NatGateway>> natGateways,
               List<Declared<dev.weft.model.Host>> hosts) {
        Map<ResourceId, dev.weft.model.PublicIPAddress> addresses = new HashMap<>();
        publicIps.forEach(p -> addresses.put(p.resource().id(), p.resource()));
        Set<ResourceId> taken = new HashSet<>(); // public addresses of NICs and NAT gateways
        nics.forEach(n -> n.resource().publicIPAddress().ifPresent(p -> taken.add(new ResourceId(dev.weft.model.Kind.PublicIPAddress,
                n.resource().namespace(), p))));
        natGateways.forEach(g -> g.resource().publicIPAddresses().forEach(p -> taken.add(new ResourceId(dev.weft.model.Kind.PublicIPAddress,
                g.resource().namespace(), p))));
        Map<ResourceId, VirtualNetwork> networkById = new HashMap<>();
        networks.forEach(n -> networkById.put(n.resource().id(), n.resource()));
        Map<ResourceId, NetworkInterface> nicById = new HashMap<>();
        nics.forEach(n -> nicById.put(n.resource().id(), n.resource()));
        Set<ResourceId> publicFrontends = new HashSet<>();
        for (Declared<LoadBalancer> d : loadBalancers) {
            LoadBalancer lb = d.resource();
            unique(d, "frontendIPConfigurations", lb.frontends(), LoadBalancer.Frontend::name);
            unique(d, "backendAddressPools", lb.pools(), LoadBalancer.Pool::name);
            unique(d, "probes", lb.probes(), LoadBalancer.Probe::name);
            unique(d, "loadBalancingRules", lb.rules(), LoadBalancer.Rule::name);
            Map<String, VirtualNetwork> frontendNetwork = new HashMap<>();
            for (int k = 0; k < lb.frontends().size(); k++) {
                LoadBalancer.Frontend f = lb.frontends().get(k);
                String at = "/spec/frontendIPConfigurations/" + k;
                if (f.publicIPAddress().isPresent()) {
                    if (f.virtualNetwork().isPresent() || f.subnet().isPresent() || f.privateIPAddress().isPresent()) {
                        report.accept(d.document().problem(at, "a frontend is private (virtualNetwork, subnet, privateIPAddress) or public "
                                + "(publicIPAddress), not both"));
                        continue;
                    }
                    ResourceId id = new ResourceId(dev.weft.model.Kind.PublicIPAddress, lb.namespace(), f.publicIPAddress().get());
                    dev.weft.model.PublicIPAddress address = addresses.get(id);
                    if (address == null) {
                        report.accept(d.document().problem(at + "/publicIPAddress", "public IP address \"" + id.name() + "\" does not exist in namespace "
                                + lb.namespace()));
                    } else if (taken.contains(id) || !publicFrontends.add(id)) {
                        report.accept(d.document().problem(at + "/publicIPAddress", "public IP address " + id.name()
                                + " is already used by an interface, a NAT gateway or another frontend"));
                    } else if (hosts.stream().map(Declared::resource).noneMatch(h -> h.gateway()
                            && h.uplink().filter(u -> u.logicalNetwork().equals(address.logicalNetwork())).isPresent())) {
                        report.accept(d.document().problem(at + "/publicIPAddress", "a public frontend needs a host with roles: [Gateway] and an uplink on "
                                + "logical network " + address.logicalNetwork() + "; there is none"));
                    }
                    continue;
                }
                if (f.virtualNetwork().isEmpty() || f.subnet().isEmpty() || f.privateIPAddress().isEmpty()) {
                    report.accept(d.document().problem(at, "a private frontend needs virtualNetwork, subnet and privateIPAddress"));
                    continue;
                }
                ResourceId networkId = new ResourceId(dev.weft.model.Kind.VirtualNetwork, lb.namespace(), f.virtualNetwork().get());
                VirtualNetwork network = networkById.get(networkId);
                if (network == null) {
                    report.accept(d.document().problem(at + "/virtualNetwork", "virtual network \"" + networkId.name() + "\" does not exist in namespace "
                            + lb.namespace()));
                    continue;
                }
                Subnet subnet = network.subnet(f.subnet().get()).orElse(null);
                if (subnet == null) {
                    report.accept(d.document().problem(at + "/subnet", "virtual network " + network.name() + " has no subnet \"" + f.subnet().get() + "\""));
                    continue;
                }
                Ipv4 ip = f.privateIPAddress().get();
                Ipv4Prefix prefix = subnet.addressPrefix();
                if (!prefix.contains(ip) || ip.equals(prefix.networkAddress()) || ip.equals(prefix.gatewayAddress())
                        || ip.equals(prefix.broadcastAddress())) {
                    report.accept(d.document().problem(at + "/privateIPAddress", ip + " is not a usable address of subnet " + subnet.name() + " ("
                            + prefix + "): inside it, not its network, gateway or broadcast address"));
                    continue;
                }
                nicById.values().stream().filter(n -> n.networkId().equals(networkId) && n.ipAddress().equals(ip)).findFirst()
                        .ifPresent(n -> report.accept(d.document().problem(at + "/privateIPAddress", ip + " is the address of interface " + n.name())));
                frontendNetwork.put(f.name(), network);
            }
            for (int k = 0; k < lb.pools().size(); k++) {
                List<String> members = lb.pools().get(k).networkInterfaces();
                for (int m = 0; m < members.size(); m++) {
                    if (!nicById.containsKey(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), members.get(m)))) {
                        report.accept(d.document().problem("/spec/backendAddressPools/" + k + "/networkInterfaces/" + m, "network interface \""
                                + members.get(m) + "\" does not exist in namespace " + lb.namespace()));
                    }
                }
            }
            Set<String> probes = new HashSet<>();
            lb.probes().forEach(p -> probes.add(p.name()));
            Map<String, Integer> ports = new HashMap<>();
            for (int k = 0; k < lb.rules().size(); k++) {
                LoadBalancer.Rule r = lb.rules().get(k);
                String at = "/spec/loadBalancingRules/" + k;
                if (lb.frontend(r.frontend()).isEmpty()) {
                    report.accept(d.document().problem(at + "/frontendIPConfiguration", "no frontend \"" + r.frontend() + "\" in load balancer " + lb.name()));
                }
                LoadBalancer.Pool pool = lb.pool(r.pool()).orElse(null);
                if (pool == null) {
                    report.accept(d.document().problem(at + "/backendAddressPool", "no backend pool \"" + r.pool() + "\" in load balancer " + lb.name()));
                }
                if (r.probe().isPresent() && !probes.contains(r.probe().get())) {
                    report.accept(d.document().problem(at + "/probe", "no probe \"" + r.probe().get() + "\" in load balancer " + lb.name()));
                }
                if (r.floatingIp() && r.backendPort() != r.frontendPort()) {
                    report.accept(d.document().problem(at + "/backendPort", "with enableFloatingIP the backend gets the frontend's address and port: "
                            + "backendPort must be frontendPort (" + r.frontendPort() + ")"));
                }
                if (r.floatingIp() && lb.frontend(r.frontend()).flatMap(LoadBalancer.Frontend::publicIPAddress).isPresent() && pool != null) {
                    String network = lb.frontend(r.frontend()).flatMap(LoadBalancer.Frontend::publicIPAddress)
                            .map(p -> addresses.get(new ResourceId(dev.weft.model.Kind.PublicIPAddress, lb.namespace(), p)))
                            .map(dev.weft.model.PublicIPAddress::logicalNetwork).orElse(null);
                    Map<String, dev.weft.model.Host> hostByName = new HashMap<>();
                    hosts.forEach(h -> hostByName.put(h.resource().name(), h.resource()));
                    for (String member : pool.networkInterfaces()) {
                        NetworkInterface nic = nicById.get(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), member));
                        dev.weft.model.Host host = nic == null ? null : hostByName.get(nic.host());
                        if (network != null && host != null && host.uplink().filter(u -> u.logicalNetwork().equals(network)).isEmpty()) {
                            report.accept(d.document().problem(at + "/enableFloatingIP", "direct server return sends backend " + member
                                    + "'s replies from its host, but host " + host.name() + " has no uplink on logical network " + network));
                        }
                    }
                }
                Integer same = ports.putIfAbsent(r.frontend() + "/" + r.protocol() + "/" + r.frontendPort(), k);
                if (same != null) {
                    report.accept(d.document().problem(at + "/frontendPort", r.protocol() + " port " + r.frontendPort() + " of frontend " + r.frontend()
                            + " is already the port of rule " + lb.rules().get(same).name()));
                }
                VirtualNetwork network = frontendNetwork.get(r.frontend());
                boolean publicFrontend = lb.frontend(r.frontend()).flatMap(LoadBalancer.Frontend::publicIPAddress).isPresent();
                if (pool != null && publicFrontend) {
                    Set<ResourceId> backendNetworks = new HashSet<>();
                    pool.networkInterfaces().forEach(member -> {
                        NetworkInterface nic = nicById.get(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), member));
                        if (nic != null) {
                            backendNetworks.add(nic.networkId());
                        }
                    });
                    if (backendNetworks.size() > 1) {
                        report.accept(d.document().problem(at + "/backendAddressPool", "the backends of a public frontend's pool must be in one virtual "
                                + "network; pool " + pool.name() + " spans " + backendNetworks.size()));
                    }
                }
                if (pool != null && network != null) {
                    for (String member : pool.networkInterfaces()) {
                        NetworkInterface nic = nicById.get(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), member));
                        if (nic != null && !nic.networkId().equals(network.id())) {
                            report.accept(d.document().problem(at + "/backendAddressPool", "backend " + member + " of pool " + pool.name()
                                    + " is in virtual network " + nic.virtualNetwork() + ", not the frontend's " + network.name()));
                        }
                    }
                }
            }
            Set<String> ruleNames = new HashSet<>();
            lb.rules().forEach(r -> ruleNames.add(r.name()));
            for (int k = 0; k < lb.inboundNatRules().size(); k++) {
                LoadBalancer.InboundNatRule r = lb.inboundNatRules().get(k);
                String at = "/spec/inboundNatRules/" + k;
                if (!ruleNames.add(r.name())) {
                    report.accept(d.document().problem(at + "/name", "duplicate rule name \"" + r.name() + "\" (rules and inbound NAT rules share names)"));
                }
                if (lb.frontend(r.frontend()).isEmpty()) {
                    report.accept(d.document().problem(at + "/frontendIPConfiguration", "no frontend \"" + r.frontend() + "\" in load balancer " + lb.name()));
                }
                NetworkInterface nic = nicById.get(new ResourceId(dev.weft.model.Kind.NetworkInterface, lb.namespace(), r.backendNetworkInterface()));
                if (nic == null) {
                    report.accept(d.document().problem(at + "/backendNetworkInterface", "network interface \"" + r.backendNetworkInterface()
                            + "\" does not exist in namespace " + lb.namespace()));
                } else if (frontendNetwork.containsKey(r.frontend()) && !nic.networkId().equals(frontendNetwork.get(r.frontend()).id())) {
                    report.accept(d.document().problem(at + "/backendNetworkInterface", "interface " + nic.name() + " is in virtual network "
                            + nic.virtualNetwork() + ", not the frontend's " + frontendNetwork.get(r.frontend()).name()));
                }
                Integer same = ports.putIfAbsent(r.frontend() + "/" + r.protocol() + "/" + r.frontendPort(), -1 - k);
                if (same != null) {
                    report.accept(d.document().problem(at + "/frontendPort", r.protocol() + " port " + r.frontendPort() + " of frontend " + r.frontend()
                            + " is already taken by " + (same >= 0 ? "rule " + lb.rules().get(same).name() : "inbound NAT rule "
                            + lb.inboundNatRules().get(-1 - same).name())));
                }
            }
        }
    }

    private <T> void unique(Declared<LoadBalancer> d, String list, List<T> items, Function<T, String> name) {
        Map<String, Integer> seen = new HashMap<>();
        for (int k = 0; k < items.size(); k++) {
            Integer first = seen.putIfAbsent(name.apply(items.get(k)), k);
            if (first != null) {
                report.accept(d.document().problem("/spec/" + list + "/" + k + "/name", "duplicate name \"" + name.apply(items.get(k)) + "\" (also "
                        + list + "[" + first + "])"));
            }
        }
    }
}

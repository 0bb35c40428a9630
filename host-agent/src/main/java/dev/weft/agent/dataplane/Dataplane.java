package dev.weft.agent.dataplane;

import dev.weft.contract.AgentState;
import dev.weft.contract.Encapsulation;
import dev.weft.contract.HostObject;
import dev.weft.contract.MappingSpec;
import dev.weft.contract.NetworkSpec;
import dev.weft.contract.PortSpec;
import dev.weft.contract.NatGatewaySpec;
import dev.weft.contract.PublicIpSpec;
import dev.weft.contract.UplinkSpec;
import dev.weft.contract.LoadBalancerSpec;
import dev.weft.fastpath.table.Balancer;
import dev.weft.fastpath.table.Egress;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.Route;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.fastpath.table.Tables;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Turns the agent's objects into the fastpath's table snapshot and publishes it after every change. */
public final class Dataplane {

    private final Tables tables = new Tables();
    private volatile PacketIo packets;
    private volatile dev.weft.net.Ipv4 underlay = new dev.weft.net.Ipv4(0);

    /** The host's provider address (0: unknown), as traces through these tables take it. */
    public void underlay(dev.weft.net.Ipv4 address) {
        this.underlay = address;
    }

    public dev.weft.net.Ipv4 underlay() {
        return underlay;
    }

    /** Real packet I/O to feed with every published snapshot (none: tables only). */
    public void packets(PacketIo io) {
        this.packets = io;
    }

    public PacketIo packets() {
        return packets;
    }

    public Tables tables() {
        return tables;
    }

    /**
     * Programs the data plane with {@code state}: packet I/O first (TAP devices for new ports), then the
     * tables. When packet I/O can't take it (a TAP device can't be opened), nothing changes and the
     * exception propagates.
     */
    public TableSnapshot publish(AgentState state) {
        PacketIo io = packets;
        TableSnapshot entries = snapshot(state.objects().values(), 0, io == null ? 1500 : io.underlayMtu());
        return tables.publish(entries, snapshot -> {
            if (io != null) {
                io.publish(snapshot);
            }
        });
    }

    /** The MTU DHCP offers a VM: the underlay's less the encapsulation's overhead, at most 1,500 (a batch slot takes no more). */
    static int vmMtu(int underlayMtu, Encapsulation encapsulation) {
        return Math.min(1500, underlayMtu - (encapsulation == Encapsulation.NVGRE ? 42 : 50));
    }

    /** The fastpath's table snapshot of a set of host objects: what one host forwards with. */
    public static TableSnapshot snapshot(Collection<HostObject> objects, long generation, int underlayMtu) {
        java.util.Map<Integer, Encapsulation> encapsulation = new java.util.HashMap<>();
        objects.forEach(o -> {
            if (o.spec() instanceof NetworkSpec n) {
                encapsulation.put(n.vni(), n.encapsulation());
            }
        });
        List<PortEntry> ports = new ArrayList<>();
        List<MappingEntry> mappings = new ArrayList<>();
        List<NetworkEntry> networks = new ArrayList<>();
        Egress.Uplink uplink = null;
        List<Egress.PublicIp> publicIps = new ArrayList<>();
        List<Egress.NatGateway> natGateways = new ArrayList<>();
        List<Balancer> balancers = new ArrayList<>();
        for (HostObject object : objects) {
            switch (object.spec()) {
                case PortSpec p -> ports.add(new PortEntry(p.key(), p.vni(), p.mac(), p.ip(), p.subnet(), p.gateway(),
                        SecurityCompiler.of(p.security()), new PortEntry.Dhcp(p.dhcp().domain(), p.dhcp().dnsServers(),
                        vmMtu(underlayMtu, encapsulation.getOrDefault(p.vni(), Encapsulation.VXLAN))), p.ipForwarding(),
                        new PortEntry.Qos(p.qos().inboundMaximumMbps() * 1_000_000L, p.qos().outboundMaximumMbps() * 1_000_000L,
                                p.qos().outboundReservedMbps() * 1_000_000L, p.qos().hostOutboundCapacityMbps() * 1_000_000L),
                        p.mirrors().stream().map(m -> new dev.weft.fastpath.table.Mirror(m.tap(), m.vni(), m.direction() != PortSpec.Direction.Outbound,
                                m.direction() != PortSpec.Direction.Inbound, m.destination().value(), m.port())).toList(), p.udpCoalescing()));
                case MappingSpec m -> mappings.add(new MappingEntry(m.vni(), m.ip(), m.mac(), m.providerAddress(),
                        m.encapsulation() == Encapsulation.NVGRE ? MappingEntry.Encapsulation.NVGRE : MappingEntry.Encapsulation.VXLAN, m.name()));
                case NetworkSpec n -> networks.add(new NetworkEntry(n.vni(), n.addressSpace(), n.subnets().stream().map(NetworkSpec.Subnet::prefix).toList(),
                        n.domain(), n.peers().stream().map(p -> new NetworkEntry.Peer(p.vni(), p.addressSpace(), p.allowForwardedTraffic())).toList(), routes(n)));
                case UplinkSpec u -> uplink = new Egress.Uplink(u.logicalNetwork(), u.device(), u.prefix(), u.defaultGateway());
                case PublicIpSpec p -> publicIps.add(new Egress.PublicIp(p.key(), p.port(), p.address()));
                case NatGatewaySpec g -> natGateways.add(new Egress.NatGateway(g.key(), g.host(), g.addresses(), g.idleTimeoutMinutes() * 60,
                        g.sources().stream().map(x -> new Egress.Source(x.vni(), x.prefix())).toList()));
                case LoadBalancerSpec lb -> lb.rules().forEach(r -> balancers.add(new Balancer(lb.key() + "/" + r.name(), r.vni(), r.frontend(),
                        r.protocol() == LoadBalancerSpec.Protocol.Tcp ? 6 : 17, r.frontendPort(), r.backendPort(), r.sourceIp(), r.idleTimeoutMinutes() * 60,
                        r.backends().stream().map(x -> new Balancer.Backend(x.name(), x.ip(), x.healthy())).toList(),
                        r.probe().map(p -> new Balancer.Probe(p.protocol() == LoadBalancerSpec.ProbeProtocol.Http, p.port(), p.requestPath(),
                                p.intervalInSeconds(), p.numberOfProbes())).orElse(null), r.mux().map(dev.weft.net.Ipv4::value).orElse(0),
                        r.floatingIp())));
            }
        }
        return new TableSnapshot(generation, ports, mappings, networks, new Egress(uplink, publicIps, natGateways), balancers);
    }

    /** The user routes of {@code network}'s subnets that have a route table, by subnet. */
    private static Map<dev.weft.net.Ipv4Prefix, List<Route>> routes(NetworkSpec network) {
        Map<dev.weft.net.Ipv4Prefix, List<Route>> routes = new java.util.HashMap<>();
        for (NetworkSpec.Subnet subnet : network.subnets()) {
            if (!subnet.routes().isEmpty()) {
                routes.put(subnet.prefix(), subnet.routes().stream().map(r -> Route.user(r.name(), r.addressPrefix(), switch (r.nextHopType()) {
                    case VirtualAppliance -> Route.NextHop.VIRTUAL_APPLIANCE;
                    case VnetLocal -> Route.NextHop.VNET_LOCAL;
                    case Internet -> Route.NextHop.INTERNET;
                    case None -> Route.NextHop.NONE;
                }, r.nextHopIpAddress().orElse(null))).toList());
            }
        }
        return routes;
    }
}

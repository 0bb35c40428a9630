package dev.weft.fastpath.table;

import dev.weft.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lookup form of a {@link TableSnapshot} for the packet path: every address of every network with a
 * port here in one off-heap (VNI, IP) table pointing into structure-of-arrays entries, local ports by
 * index, and per VNI the subnets for longest-prefix match. Immutable once built.
 */
public final class ForwardingTables implements AutoCloseable {

    /** The MAC address of every host's distributed router: the gateway MAC every VM sees. */
    public static final long ROUTER_MAC = 0x0277_6566_7401L; // 02:77:65:66:74:01, "weft"

    public static final int VXLAN = 0;
    public static final int NVGRE = 1;

    public final long generation;
    /** This host's underlay (provider) address: the outer source of everything it encapsulates. */
    public final int localUnderlay;

    public final PortEntry[] ports;
    /** Each port's stable id (see {@link TableSnapshot#portIds}): what per-port state is keyed by. */
    public final int[] portId;
    public final int[] portVni;
    public final int[] portIp;
    public final long[] portMac;
    public final int[] portSubnet;
    public final int[] portSubnetMask;
    public final int[] portGateway;
    /** Each port's DHCP options after type, server id and lease, encoded once (see {@link DhcpOptionBlock}). */
    public final byte[][] portDhcpOptions;
    /** Each port's routes when its subnet has a route table, else null (its packets are routed by the system routes alone). */
    public final Routes[] portRoutes;
    /** Whether each port forwards IP (a virtual appliance): it may send from addresses not its own. */
    public final boolean[] portForwards;
    /** Whether port p's VM takes a run of one UDP flow's datagrams as one frame ({@link PortEntry#udpCoalescing}). */
    public final boolean[] portUdpCoalescing;
    /** Each port's taps that copy what it receives, and what it sends; null for none. */
    public final Mirror[][] portMirrorsIn;
    public final Mirror[][] portMirrorsOut;
    /** Each port's rate limits in bits per second, 0 for none: to the VM and from it. */
    public final long[] portInboundBits;
    public final long[] portOutboundBits;
    /** Each port's guaranteed share of its host's outbound capacity, and that capacity, in bits per second; 0 for none. */
    public final long[] portReservedBits;
    public final long[] portHostBits;
    /**
     * The ports that forward IP (virtual appliances): a frame from the underlay addressed to one's MAC is routed through it,
     * whatever its address. A host has few: looked through in turn, nothing boxed per packet.
     */
    private final int[] forwarders;

    private final AddressTable addresses;
    public final long[] entryMac;
    public final int[] entryProvider;
    public final int[] entryEncap;
    /** The local port of an entry, or -1 when it lives on another host. */
    public final int[] entryPort;

    /**
     * (VNI, provider address) of every host that may send this host the VNI's frames: those that carry it, those of
     * networks peered with it, NAT gateways' and public frontends' hosts.
     */
    private final AddressTable peers;
    private final Map<Integer, int[][]> subnets = new HashMap<>();
    private final Map<Integer, DnsZone> zones = new HashMap<>();
    private final Map<Integer, Integer> networkEncap = new HashMap<>();
    private final Map<Integer, int[][]> addressSpaces = new HashMap<>();
    /** Per VNI, its peered networks' prefixes: {network address, mask, peer VNI, 1 if the peer takes forwarded traffic}. */
    private final Map<Integer, int[][]> peerRoutes = new HashMap<>();

    /** The host's uplink, or null; its subnet and default gateway. */
    public final Egress.Uplink uplink;
    public final int uplinkNetwork;
    public final int uplinkMask;
    public final int uplinkGateway;
    /** Each port's public address (one-to-one NAT on this host's uplink), 0 for none. */
    public final int[] portPublicIp;
    /** Each port's NAT gateway (an index of the {@code nat…} columns), -1 for none. */
    public final int[] portNat;
    /** NAT gateways: name, the serving host's underlay address, whether that is this host, public addresses, idle timeout. */
    public final String[] natName;
    public final int[] natHost;
    public final boolean[] natServedHere;
    public final int[][] natAddresses;
    public final long[] natIdleNanos;
    /** (0, public address) → the local port it is the public address of, or {@code -2 - gateway} for a served NAT gateway's. */
    private final AddressTable owned;
    /** The public addresses this host owns on its uplink ({@link #owner} isn't {@link #NOT_OWNED}), each once: what it announces. */
    public final int[] ownedAddresses;
    /** Load-balancing rules, by (VNI, frontend address); each with its Maglev table (built, or kept from before, per snapshot). */
    private final Map<Long, Balancer[]> balancers = new HashMap<>();
    private final Map<Balancer, dev.weft.fastpath.lb.Maglev> maglev = new java.util.IdentityHashMap<>();
    /** Rules with a floating IP, by (VNI, frontend address): their backends get and answer from the frontend's address. */
    private final Map<Long, Balancer[]> floating = new HashMap<>();
    /** Public frontends served here, by address. */
    private final Map<Integer, Balancer[]> publicFrontends = new HashMap<>();
    /** Backends of public frontends served elsewhere, by (VNI, address): {protocol, port, MUX's underlay address} of each. */
    private final Map<Long, int[][]> replyRoutes = new HashMap<>();
    /** Per rule, the backends' addresses in the order of its Maglev table's backends. */
    private final Map<Balancer, int[]> backendIps = new java.util.IdentityHashMap<>();

    /** Per VNI, the sources of the NAT gateways served here: {network address, mask, gateway}. */
    private final Map<Integer, int[][]> served = new HashMap<>();

    public ForwardingTables(TableSnapshot snapshot, int localUnderlay) {
        this.generation = snapshot.generation();
        this.localUnderlay = localUnderlay;
        List<PortEntry> portList = snapshot.ports();
        int n = portList.size();
        ports = portList.toArray(PortEntry[]::new);
        portVni = new int[n];
        portIp = new int[n];
        portMac = new long[n];
        portSubnet = new int[n];
        portSubnetMask = new int[n];
        portGateway = new int[n];
        portId = snapshot.portIds().stream().mapToInt(Integer::intValue).toArray();
        portDhcpOptions = new byte[n][];
        portRoutes = new Routes[n];
        portForwards = new boolean[n];
        portUdpCoalescing = new boolean[n];
        portInboundBits = new long[n];
        portReservedBits = new long[n];
        portHostBits = new long[n];
        portMirrorsIn = new Mirror[n][];
        portMirrorsOut = new Mirror[n][];
        portOutboundBits = new long[n];
        for (int p = 0; p < n; p++) {
            PortEntry port = ports[p];
            portVni[p] = port.vni();
            portIp[p] = port.ip().value();
            portMac[p] = port.mac().value();
            portSubnet[p] = port.subnet().networkAddress().value();
            portSubnetMask[p] = port.subnet().mask();
            portGateway[p] = port.gateway().value();
            portDhcpOptions[p] = DhcpOptionBlock.of(port);
            portForwards[p] = port.ipForwarding();
            portUdpCoalescing[p] = port.udpCoalescing();
            portInboundBits[p] = port.qos().inboundBitsPerSecond();
            portOutboundBits[p] = port.qos().outboundBitsPerSecond();
            portReservedBits[p] = port.qos().outboundReservedBitsPerSecond();
            portHostBits[p] = port.qos().hostOutboundBitsPerSecond();
            Mirror[] in = port.mirrors().stream().filter(Mirror::inbound).toArray(Mirror[]::new);
            Mirror[] out = port.mirrors().stream().filter(Mirror::outbound).toArray(Mirror[]::new);
            portMirrorsIn[p] = in.length == 0 ? null : in;
            portMirrorsOut[p] = out.length == 0 ? null : out;
        }
        forwarders = java.util.stream.IntStream.range(0, n).filter(p -> portForwards[p]).toArray();
        Map<String, Routes> routesBySubnet = new HashMap<>(); // ports of one subnet share its routes
        for (NetworkEntry network : snapshot.networks()) {
            network.routes().forEach((subnet, user) -> {
                if (!user.isEmpty()) {
                    routesBySubnet.put(network.vni() + "/" + subnet, Routes.of(user, network.addressSpace(),
                            network.peers().stream().flatMap(peer -> peer.addressSpace().stream()).toList()));
                }
            });
        }
        for (int p = 0; p < n; p++) {
            portRoutes[p] = routesBySubnet.get(portVni[p] + "/" + ports[p].subnet());
        }
        List<MappingEntry> mappings = snapshot.mappings();
        int entries = mappings.size() + n;
        entryMac = new long[entries];
        entryProvider = new int[entries];
        entryEncap = new int[entries];
        entryPort = new int[entries];
        addresses = new AddressTable(entries);
        Map<Integer, java.util.List<Integer>> providersByVni = new HashMap<>();
        mappings.forEach(m -> providersByVni.computeIfAbsent(m.vni(), v -> new java.util.ArrayList<>()).add(m.providerAddress().value()));
        java.util.List<long[]> peeringSenders = new java.util.ArrayList<>(); // the peer's hosts send a network's frames to its VMs here
        for (NetworkEntry network : snapshot.networks()) {
            for (NetworkEntry.Peer peer : network.peers()) {
                providersByVni.getOrDefault(peer.vni(), java.util.List.of()).forEach(a -> peeringSenders.add(new long[] {network.vni(), a}));
            }
        }
        peers = new AddressTable(mappings.size() + 1 + peeringSenders.size() + snapshot.balancers().size()
                + snapshot.egress().natGateways().stream().mapToInt(x -> x.sources().size()).sum());
        mappings.forEach(m -> peers.put(m.vni(), m.providerAddress().value(), 1));
        peeringSenders.forEach(x -> peers.put((int) x[0], (int) x[1], 1));
        int e = 0;
        for (MappingEntry mapping : mappings) {
            entryMac[e] = mapping.mac().value();
            entryProvider[e] = mapping.providerAddress().value();
            entryEncap[e] = mapping.encapsulation() == MappingEntry.Encapsulation.NVGRE ? NVGRE : VXLAN;
            entryPort[e] = -1;
            addresses.put(mapping.vni(), mapping.ip().value(), e++);
        }
        for (int p = 0; p < n; p++) { // a local port is delivered to directly, whatever its mapping says
            int existing = addresses.get(portVni[p], portIp[p]);
            int at = existing >= 0 ? existing : e++;
            entryMac[at] = portMac[p];
            entryProvider[at] = localUnderlay;
            entryPort[at] = p;
            if (existing < 0) {
                addresses.put(portVni[p], portIp[p], at);
            }
        }
        for (NetworkEntry network : snapshot.networks()) {
            List<Ipv4Prefix> sorted = network.subnets().stream().sorted((x, y) -> Integer.compare(y.length(), x.length())).toList();
            int[][] table = new int[sorted.size()][];
            for (int s = 0; s < sorted.size(); s++) {
                table[s] = new int[] {sorted.get(s).networkAddress().value(), sorted.get(s).mask()};
            }
            subnets.put(network.vni(), table);
        }
        for (NetworkEntry network : snapshot.networks()) {
            if (network.zone() != null) {
                zones.put(network.vni(), new DnsZone(network.zone(), network.addressSpace()));
            }
        }
        for (MappingEntry mapping : mappings) {
            DnsZone zone = zones.get(mapping.vni());
            if (zone != null && !mapping.name().isEmpty()) {
                zone.add(mapping.name(), mapping.ip());
            }
        }
        mappings.forEach(m -> networkEncap.putIfAbsent(m.vni(), m.encapsulation() == MappingEntry.Encapsulation.NVGRE ? NVGRE : VXLAN));
        for (NetworkEntry network : snapshot.networks()) {
            java.util.List<int[]> routes = new java.util.ArrayList<>();
            for (NetworkEntry.Peer peer : network.peers()) {
                peer.addressSpace().forEach(p -> routes.add(new int[] {p.networkAddress().value(), p.mask(), peer.vni(),
                        peer.allowForwardedTraffic() ? 1 : 0}));
            }
            if (!routes.isEmpty()) {
                peerRoutes.put(network.vni(), routes.toArray(int[][]::new));
            }
        }
        for (NetworkEntry network : snapshot.networks()) {
            addressSpaces.put(network.vni(), network.addressSpace().stream()
                    .map(p -> new int[] {p.networkAddress().value(), p.mask()}).toArray(int[][]::new));
        }

        Egress egress = snapshot.egress();
        uplink = egress.uplink();
        uplinkNetwork = uplink == null ? 0 : uplink.prefix().networkAddress().value();
        uplinkMask = uplink == null ? -1 : uplink.prefix().mask();
        uplinkGateway = uplink == null ? 0 : uplink.defaultGateway().value();
        List<Egress.NatGateway> gateways = egress.natGateways();
        int g = gateways.size();
        natName = new String[g];
        natHost = new int[g];
        natServedHere = new boolean[g];
        natAddresses = new int[g][];
        natIdleNanos = new long[g];
        owned = new AddressTable(egress.publicIps().size() + g * 4 + snapshot.balancers().size() + 1);
        List<Integer> ownedList = new ArrayList<>();
        portPublicIp = new int[n];
        portNat = new int[n];
        Arrays.fill(portNat, -1);
        for (int x = 0; x < g; x++) {
            Egress.NatGateway gateway = gateways.get(x);
            natName[x] = gateway.name();
            natHost[x] = gateway.host().value();
            natServedHere[x] = natHost[x] == localUnderlay && uplink != null;
            natAddresses[x] = gateway.addresses().stream().mapToInt(dev.weft.net.Ipv4::value).toArray();
            natIdleNanos[x] = gateway.idleTimeoutSeconds() * 1_000_000_000L;
            for (Egress.Source source : gateway.sources()) {
                int network = source.prefix().networkAddress().value();
                int mask = source.prefix().mask();
                for (int p = 0; p < n; p++) {
                    if (portVni[p] == source.vni() && (portIp[p] & mask) == network) {
                        portNat[p] = x;
                    }
                }
                if (natServedHere[x]) {
                    served.merge(source.vni(), new int[][] {{network, mask, x}}, (a, b) -> {
                        int[][] both = Arrays.copyOf(a, a.length + b.length);
                        System.arraycopy(b, 0, both, a.length, b.length);
                        return both;
                    });
                } else if (natHost[x] != localUnderlay) {
                    peers.put(source.vni(), natHost[x], 1); // replies come back from the gateway host
                }
            }
            if (natServedHere[x]) {
                for (int address : natAddresses[x]) {
                    owned.put(0, address, -2 - x);
                    ownedList.add(address);
                }
            }
        }
        for (Balancer balancer : snapshot.balancers()) {
            if (balancer.floatingIp()) {
                floating.merge(AddressTable.key(balancer.vni(), balancer.frontend().value()), new Balancer[] {balancer}, ForwardingTables::both);
            }
            if (balancer.isPublic()) {
                if (balancer.mux() == localUnderlay && uplink != null) {
                    publicFrontends.merge(balancer.frontend().value(), new Balancer[] {balancer}, ForwardingTables::both);
                    owned.put(0, balancer.frontend().value(), LB_FRONTEND);
                    ownedList.add(balancer.frontend().value());
                } else {
                    peers.put(balancer.vni(), balancer.mux(), 1); // the MUX sends the backends its clients' packets
                }
                for (Balancer.Backend backend : balancer.backends()) {
                    replyRoutes.merge(AddressTable.key(balancer.vni(), backend.ip().value()),
                            new int[][] {{balancer.protocol(), balancer.backendPort(), balancer.mux()}}, ForwardingTables::both);
                }
            } else {
                balancers.merge(AddressTable.key(balancer.vni(), balancer.frontend().value()), new Balancer[] {balancer}, ForwardingTables::both);
            }
            dev.weft.fastpath.lb.Maglev table = dev.weft.fastpath.lb.Maglev.of(balancer.backends().stream().filter(Balancer.Backend::healthy)
                    .map(Balancer.Backend::name).toList());
            Map<String, Integer> ipOf = new HashMap<>();
            balancer.backends().forEach(x -> ipOf.put(x.name(), x.ip().value()));
            maglev.put(balancer, table);
            backendIps.put(balancer, table.backends().stream().mapToInt(ipOf::get).toArray());
        }
        Map<String, Integer> portIndex = new HashMap<>();
        for (int p = 0; p < n; p++) {
            portIndex.put(ports[p].name(), p);
        }
        for (Egress.PublicIp publicIp : egress.publicIps()) {
            Integer p = portIndex.get(publicIp.port());
            if (p != null && uplink != null) {
                portPublicIp[p] = publicIp.address().value();
                owned.put(0, portPublicIp[p], p);
                ownedList.add(portPublicIp[p]);
            }
        }
        ownedAddresses = ownedList.stream().distinct().mapToInt(Integer::intValue).toArray();
    }

    /** The rules with a health probe. */
    public List<Balancer> balancersWithProbes() {
        return maglev.keySet().stream().filter(b -> b.probe() != null).toList();
    }

    /** Whether any load-balancing rule is programmed here: the packet path skips its checks otherwise. */
    public boolean balances() {
        return !maglev.isEmpty();
    }

    /** Whether {@code ip} is a load balancer's frontend in {@code vni}: ARP for it is answered with the router's MAC. */
    public boolean isFrontend(int vni, int ip) {
        return balancers.containsKey(AddressTable.key(vni, ip));
    }

    /** The rule for connections to {@code ip}:{@code port} over {@code protocol} in {@code vni}, or null. */
    public Balancer balancer(int vni, int ip, int protocol, int port) {
        Balancer[] rules = balancers.get(AddressTable.key(vni, ip));
        if (rules != null) {
            for (Balancer rule : rules) {
                if (rule.protocol() == protocol && rule.frontendPort() == port) {
                    return rule;
                }
            }
        }
        return null;
    }

    /** The Maglev table of {@code rule} (a rule of these tables). */
    public dev.weft.fastpath.lb.Maglev maglev(Balancer rule) {
        return maglev.get(rule);
    }

    /** The address of backend {@code backend} (an index of {@code rule}'s Maglev table). */
    public int backendIp(Balancer rule, int backend) {
        return backendIps.get(rule)[backend];
    }

    private static <T> T[] both(T[] x, T[] y) {
        T[] both = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, both, x.length, y.length);
        return both;
    }

    /** {@link #owner} of a load balancer's public frontend served here. */
    public static final int LB_FRONTEND = -1_000_000;

    /** The public frontend rule served here for {@code ip}:{@code port} over {@code protocol}, or null. */
    public Balancer publicFrontend(int ip, int protocol, int port) {
        Balancer[] rules = publicFrontends.get(ip);
        if (rules != null) {
            for (Balancer rule : rules) {
                if (rule.protocol() == protocol && rule.frontendPort() == port) {
                    return rule;
                }
            }
        }
        return null;
    }

    /**
     * The local port a packet to floating frontend {@code ip} of {@code vni} is for: the backend of one of its rules
     * whose MAC the packet is addressed to, or -1.
     */
    public int floatingBackend(int vni, int ip, long mac) {
        Balancer[] rules = floating.get(AddressTable.key(vni, ip));
        if (rules != null) {
            for (Balancer rule : rules) {
                for (Balancer.Backend backend : rule.backends()) {
                    int entry = addresses.get(vni, backend.ip().value());
                    if (entry >= 0 && entryPort[entry] >= 0 && entryMac[entry] == mac) {
                        return entryPort[entry];
                    }
                }
            }
        }
        return -1;
    }

    /** Whether local port {@code port} may send from {@code ip}: a floating frontend it is a backend of (it answers from it). */
    public boolean isFloatingSource(int port, int ip) {
        Balancer[] rules = floating.get(AddressTable.key(portVni[port], ip));
        if (rules != null) {
            for (Balancer rule : rules) {
                for (Balancer.Backend backend : rule.backends()) {
                    if (backend.ip().value() == portIp[port]) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Whether {@code ip} of {@code vni} is a floating public frontend: a backend answers from it by its host's uplink. */
    public boolean isPublicFloating(int vni, int ip) {
        Balancer[] rules = floating.get(AddressTable.key(vni, ip));
        return rules != null && rules[0].isPublic();
    }

    /** The MUX that replies of backend {@code ip}:{@code port} (VNI {@code vni}) to a public frontend's clients go back through, or 0. */
    public int replyRoute(int vni, int ip, int protocol, int port) {
        int[][] routes = replyRoutes.get(AddressTable.key(vni, ip));
        if (routes != null) {
            for (int[] route : routes) {
                if (route[0] == protocol && route[1] == port) {
                    return route[2];
                }
            }
        }
        return 0;
    }

    /** Not a public address of this host. */
    public static final int NOT_OWNED = -1;

    /**
     * Who owns public address {@code ip} on this host's uplink: a local port's index (one-to-one NAT), {@code -2 - g}
     * for NAT gateway {@code g} served here, or {@link #NOT_OWNED}.
     */
    public int owner(int ip) {
        return owned.get(0, ip);
    }

    /** The NAT gateway served here that {@code source} in {@code vni} leaves through, or -1. */
    public int servedNat(int vni, int source) {
        int[][] sources = served.get(vni);
        if (sources != null) {
            for (int[] s : sources) {
                if ((source & s[1]) == s[0]) {
                    return s[2];
                }
            }
        }
        return -1;
    }

    /** Whether {@code ip} is outside every prefix of {@code vni}'s address space: traffic to it leaves the network. */
    public boolean outside(int vni, int ip) {
        int[][] spaces = addressSpaces.get(vni);
        if (spaces != null) {
            for (int[] prefix : spaces) {
                if ((ip & prefix[1]) == prefix[0]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The uplink neighbour a packet to {@code ip} goes to: {@code ip} itself on the logical network's subnet, else the default gateway. */
    public int uplinkNextHop(int ip) {
        return (ip & uplinkMask) == uplinkNetwork ? ip : uplinkGateway;
    }

    /** How {@code vni}'s frames cross the underlay: {@link #VXLAN} or {@link #NVGRE}. */
    public int encapsulation(int vni) {
        return networkEncap.getOrDefault(vni, VXLAN);
    }

    /** The entry of (vni, ip), or -1. */
    public int lookup(int vni, int ip) {
        return addresses.get(vni, ip);
    }

    /** Whether the host at provider address {@code address} carries {@code vni}: only such hosts may send its frames here. */
    public boolean isPeer(int vni, int address) {
        return peers.get(vni, address) >= 0;
    }

    /** The VNI of the network peered with {@code vni} whose address space holds {@code ip}, or 0. */
    public int peerVni(int vni, int ip) {
        int[] route = peerRoute(vni, ip);
        return route == null ? 0 : route[2];
    }

    /** Whether the network peered with {@code vni} whose address space holds {@code ip} takes traffic forwarded from {@code vni}. */
    public boolean peerTakesForwarded(int vni, int ip) {
        int[] route = peerRoute(vni, ip);
        return route != null && route[3] == 1;
    }

    /** The peered prefix of {@code vni} that holds {@code ip} ({network address, mask, peer VNI, takes forwarded}), or null. */
    private int[] peerRoute(int vni, int ip) {
        int[][] routes = peerRoutes.get(vni);
        if (routes != null) {
            for (int[] route : routes) {
                if ((ip & route[1]) == route[0]) {
                    return route;
                }
            }
        }
        return null;
    }

    /** The DNS zone of {@code vni}'s network, or null. */
    public DnsZone zone(int vni) {
        return zones.get(vni);
    }

    public boolean knowsVni(int vni) {
        return subnets.containsKey(vni);
    }

    /** Longest-prefix match of {@code ip} among the subnets of {@code vni}: the subnet's network address, or 0 when none. */
    public int subnetOf(int vni, int ip) {
        int[][] table = subnets.get(vni);
        if (table == null) {
            return 0;
        }
        for (int[] prefix : table) {
            if ((ip & prefix[1]) == prefix[0]) {
                return prefix[0] == 0 ? -1 : prefix[0];
            }
        }
        return 0;
    }

    /** Whether a local port forwards IP: the packet path skips looking for one otherwise. */
    public boolean forwards() {
        return forwarders.length > 0;
    }

    /** The local port that forwards IP (a virtual appliance) of {@code vni} with MAC {@code mac}, or -1. */
    public int forwarder(int vni, long mac) {
        for (int port : forwarders) {
            if (portMac[port] == mac && portVni[port] == vni) {
                return port;
            }
        }
        return -1;
    }

    /** Whether {@code ip} is the gateway (first host address) of one of {@code vni}'s subnets. */
    public boolean isGateway(int vni, int ip) {
        int[][] table = subnets.get(vni);
        if (table != null) {
            for (int[] prefix : table) {
                if (ip == prefix[0] + 1 && (ip & prefix[1]) == prefix[0]) {
                    return true;
                }
            }
        }
        return false;
    }

    public int portCount() {
        return ports.length;
    }

    @Override
    public void close() {
        addresses.close();
        peers.close();
        owned.close();
    }

    @Override
    public String toString() {
        return "ForwardingTables[generation " + generation + ", ports " + Arrays.toString(ports) + "]";
    }
}

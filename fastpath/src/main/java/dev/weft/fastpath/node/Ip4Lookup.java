package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.IcmpError;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.flow.FlowCache;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.lb.LbSessions;
import dev.weft.fastpath.table.Balancer;
import dev.weft.fastpath.table.Route;
import dev.weft.fastpath.uplink.NatSessions;
import java.util.List;

/**
 * The slow path's forwarding decision (the distributed switch and router). From the underlay: only to a
 * local port of the frame's own VNI (tenant isolation). From a port: to the destination's port on this
 * host, or to the host its mapping names; across subnets only through the gateway (the router MAC),
 * which marks the flow for a route rewrite. Fills the action, out port or provider address,
 * encapsulation and next-hop MAC columns.
 */
public final class Ip4Lookup implements Node {

    public static final String NAME = "ip4-lookup";
    static final int SECURITY = 0;
    static final int LB_RESET = 1;

    private final NatSessions sessions;
    private final LbSessions balanced;

    public Ip4Lookup(NatSessions sessions, LbSessions balanced) {
        this.sessions = sessions;
        this.balanced = balanced;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(Security.NAME, LbReset.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int vni = b.vni[i];
            int dst = b.dstIp[i];
            int in = b.inPort[i];
            if (in == PacketBatch.UPLINK) {
                next[k] = fromUplink(b, i, t, d); // keeps the balanced connection nat-in found
                continue;
            }
            b.natSession[i] = -1;
            b.natStamp[i] = 0;
            b.natAddress[i] = 0;
            b.natPort[i] = 0;
            if (in == PacketBatch.MIRROR) { // a tap's copy: to its collector, a NIC of the network, here or on its host
                int entry = t.lookup(vni, dst);
                if (entry < 0) {
                    next[k] = d.drop(i, DropReason.UNKNOWN_DESTINATION);
                    continue;
                }
                int local = toEntry(b, i, t, entry, FlowCache.ROUTE);
                if (tracing) {
                    d.trace(i, "to the collector " + Text.ip(dst) + (local >= 0 ? ", local port " + t.ports[local].name() : ", on host " + Text.ip(t.entryProvider[entry])));
                }
                next[k] = SECURITY;
                continue;
            }
            if (in < 0) {
                if (!t.knowsVni(vni)) {
                    next[k] = d.drop(i, DropReason.UNKNOWN_VNI);
                    continue;
                }
                int entry = t.lookup(vni, dst);
                if (t.forwards()) { // addressed to a virtual appliance here: routed through it, whatever the packet's address
                    long mac = Bytes.mac(b.memory(), b.start[i]);
                    int appliance = entry >= 0 && t.entryMac[entry] == mac ? -1 : t.forwarder(vni, mac);
                    if (appliance >= 0) {
                        toLocalPort(b, i, appliance);
                        if (tracing) {
                            d.trace(i, "addressed to the MAC of local port " + t.ports[appliance].name() + ", a virtual appliance: routed through it");
                        }
                        next[k] = SECURITY;
                        continue;
                    }
                }
                if ((entry < 0 || t.entryPort[entry] < 0) && t.outside(vni, dst)) {
                    int reply = t.balances() ? balanced.reverse(vni, b.protocol[i], b.srcIp[i], b.srcPort[i], dst, b.dstPort[i]) : -1;
                    if (reply >= 0) { // a backend's reply to a public frontend's client: out as the frontend
                        next[k] = toClient(b, i, d, reply, 0);
                        continue;
                    }
                    int gateway = t.servedNat(vni, b.srcIp[i]);
                    if (gateway >= 0) {
                        next[k] = throughNatGateway(b, i, t, d, gateway, 0);
                        continue;
                    }
                }
                if (entry < 0 && t.balances()) { // a floating frontend: to the backend the frame is addressed to
                    int port = t.floatingBackend(vni, dst, Bytes.mac(b.memory(), b.start[i]));
                    if (port >= 0) {
                        toLocalPort(b, i, port);
                        if (tracing) {
                            d.trace(i, Text.ip(dst) + " in VNI " + vni + " is a floating frontend: to its backend, local port " + t.ports[port].name());
                        }
                        next[k] = SECURITY;
                        continue;
                    }
                }
                if (entry < 0 || t.entryPort[entry] < 0 || t.portVni[t.entryPort[entry]] != vni) {
                    next[k] = d.drop(i, DropReason.NOT_A_LOCAL_PORT); // tenant isolation: only this VNI's own ports
                    continue;
                }
                b.action[i] = FlowCache.DELIVER | unbalance(b, i, t, d);
                b.outPort[i] = t.entryPort[entry];
                b.outAddress[i] = 0;
                b.encap[i] = 0;
                b.nextHopMac[i] = 0;
                if (tracing) {
                    d.trace(i, Text.ip(dst) + " in VNI " + vni + " is local port " + t.ports[b.outPort[i]].name());
                }
                next[k] = SECURITY;
                continue;
            }
            int balancedTo = 0;
            if (t.balances() && (b.protocol[i] == Parser.TCP || b.protocol[i] == Parser.UDP) && (b.flags[i] & Parser.FLAG_FRAGMENT) == 0) {
                Balancer rule = t.balancer(vni, dst, b.protocol[i], b.dstPort[i]);
                if (rule != null) {
                    if (t.maglev(rule).backends().isEmpty()) {
                        d.drop(i, DropReason.NO_HEALTHY_BACKEND); // counted; a TCP client is told at once
                        boolean syn = b.protocol[i] == Parser.TCP; // whole (checked above): lb-reset writes the RST's headers afresh
                        if (d.tracing()) {
                            d.trace(i, Text.ip(dst) + ":" + b.dstPort[i] + " is load-balancing rule " + rule.name() + ": no healthy backend");
                        }
                        next[k] = syn ? LB_RESET : Dispatch.DROPPED;
                        continue;
                    }
                    if (!pick(b, i, t, d, rule)) {
                        next[k] = Dispatch.DROPPED; // pick() counted it
                        continue;
                    }
                    dst = b.natAddress[i];
                    // the frame came to the router's MAC: rewrite it for the backend; with a floating IP its address stays the frontend's
                    balancedTo = (rule.floatingIp() ? FlowCache.FLOAT : FlowCache.DNAT) | FlowCache.ROUTE;
                }
            } else if (t.balances() && IcmpError.is(b, i) && IcmpError.source(b, i) == dst && IcmpError.destination(b, i) == b.srcIp[i]) {
                int s = toBackend(b, i, vni, d); // a client's ICMP error about a reply it got from a frontend: to the backend
                if (s >= 0) {
                    dst = b.natAddress[i];
                    balancedTo = FlowCache.DNAT | FlowCache.ROUTE;
                }
            }
            dev.weft.fastpath.table.Routes routes = balancedTo == 0 ? t.portRoutes[in] : null;
            if (routes != null) { // the subnet has a route table: the longest prefix among its routes and the system routes decides
                Route route = routes.route(routes.lookup(dst));
                if (tracing) {
                    d.trace(i, Text.ip(dst) + ": " + route.describe() + " decides");
                }
                if (route.nextHop() == Route.NextHop.NONE) {
                    next[k] = d.drop(i, DropReason.ROUTE_NONE);
                    continue;
                }
                if (route.nextHop() == Route.NextHop.INTERNET && route.user()) {
                    next[k] = toOutside(b, i, t, d, in);
                    continue;
                }
                if (route.nextHop() == Route.NextHop.VIRTUAL_APPLIANCE && route.applianceIp() != t.portIp[in]) { // never back to the appliance itself
                    next[k] = toAppliance(b, i, t, d, route.applianceIp());
                    continue;
                }
            }
            int entry = t.lookup(vni, dst);
            int peer = entry < 0 ? t.peerVni(vni, dst) : 0;
            if (peer != 0) { // a peered network's address: on with that network's VNI
                if (Bytes.mac(b.memory(), b.start[i]) != ForwardingTables.ROUTER_MAC) {
                    next[k] = d.drop(i, DropReason.NO_ROUTE); // another network is reached through the gateway only
                    continue;
                }
                if (t.portForwards[in] && t.outside(vni, b.srcIp[i]) && !t.peerTakesForwarded(vni, dst)) {
                    next[k] = d.drop(i, DropReason.FORWARDED_NOT_ALLOWED); // not from this network: the peer must allow forwarded traffic
                    continue;
                }
                entry = t.lookup(peer, dst);
                if (entry < 0) {
                    next[k] = d.drop(i, DropReason.UNKNOWN_DESTINATION);
                    continue;
                }
                if (tracing) {
                    d.trace(i, Text.ip(dst) + " is in a network peered with VNI " + vni + ": on with VNI " + peer);
                }
                b.vni[i] = peer;
                vni = peer;
            }
            if (entry < 0 && t.outside(vni, dst)) {
                next[k] = toOutside(b, i, t, d, in);
                continue;
            }
            if (entry < 0) {
                next[k] = d.drop(i, t.subnetOf(vni, dst) != 0 ? DropReason.UNKNOWN_DESTINATION : DropReason.NO_ROUTE);
                continue;
            }
            boolean sameSubnet = peer == 0 && (dst & t.portSubnetMask[in]) == t.portSubnet[in];
            if (!sameSubnet && balancedTo == 0 && Bytes.mac(b.memory(), b.start[i]) != ForwardingTables.ROUTER_MAC) {
                next[k] = d.drop(i, DropReason.NO_ROUTE); // another subnet is reached through the gateway only
                continue;
            }
            int route = (sameSubnet ? 0 : FlowCache.ROUTE) | balancedTo;
            int local = toEntry(b, i, t, entry, route);
            if (local >= 0 && balancedTo == 0) {
                b.action[i] |= unbalance(b, i, t, d);
            }
            if (tracing) {
                String where = local >= 0 ? "local port " + t.ports[local].name()
                        : "on host " + Text.ip(t.entryProvider[entry]) + " (" + (b.encap[i] == ForwardingTables.NVGRE ? "NVGRE" : "VXLAN") + ")";
                d.trace(i, Text.ip(dst) + " in VNI " + vni + " is " + where + (sameSubnet ? ", same subnet"
                        : ", routed from subnet " + Text.ip(t.portSubnet[in]) + "/" + Integer.bitCount(t.portSubnetMask[in])));
            }
            next[k] = SECURITY;
        }
    }

    /** Out of the uplink with action {@code action}, its source translated to {@code address}:{@code port} by {@code nat-out}. */
    private static void toUplink(PacketBatch b, int i, int action, int address, int port) {
        b.action[i] = action;
        b.outPort[i] = -1;
        b.outAddress[i] = 0;
        b.encap[i] = 0;
        b.nextHopMac[i] = 0;
        b.natAddress[i] = address;
        b.natPort[i] = port;
    }

    /** The packet to local port {@code port}, headers unchanged. */
    private static void toLocalPort(PacketBatch b, int i, int port) {
        b.action[i] = FlowCache.DELIVER;
        b.outPort[i] = port;
        b.outAddress[i] = 0;
        b.encap[i] = 0;
        b.nextHopMac[i] = 0;
    }

    /**
     * The packet to address entry {@code entry}, addressed to its MAC: its local port, or its host over the underlay, with
     * {@code flags} added to the action. Returns the local port, or -1.
     */
    private static int toEntry(PacketBatch b, int i, ForwardingTables t, int entry, int flags) {
        int local = t.entryPort[entry];
        b.nextHopMac[i] = t.entryMac[entry];
        if (local >= 0) {
            b.action[i] = FlowCache.DELIVER | flags;
            b.outPort[i] = local;
            b.outAddress[i] = 0;
            b.encap[i] = 0;
        } else {
            b.action[i] = FlowCache.ENCAP | flags;
            b.outPort[i] = -1;
            b.outAddress[i] = t.entryProvider[entry];
            b.encap[i] = t.entryEncap[entry];
        }
        return local;
    }

    /**
     * A packet a user route sends to virtual appliance {@code appliance} (a NIC of the same network): to that NIC's port here
     * or its host, addressed to its MAC, the packet's addresses unchanged.
     */
    private int toAppliance(PacketBatch b, int i, ForwardingTables t, Dispatch d, int appliance) {
        int entry = t.lookup(b.vni[i], appliance);
        if (entry < 0) {
            return d.drop(i, DropReason.NO_APPLIANCE);
        }
        int local = toEntry(b, i, t, entry, FlowCache.ROUTE);
        if (d.tracing()) {
            d.trace(i, "to virtual appliance " + Text.ip(appliance) + (local >= 0 ? ", local port " + t.ports[local].name()
                    : ", on host " + Text.ip(t.entryProvider[entry])));
        }
        return SECURITY;
    }

    /**
     * A new connection to a load balancer's frontend: the backend it had if it is still tracked, else the one
     * the rule's Maglev table gives its 5-tuple (or its client's address); the destination becomes that backend's
     * address and port (in the NAT columns, applied by {@code rewrite}). False when no connection can be tracked.
     */
    private boolean pick(PacketBatch b, int i, ForwardingTables t, Dispatch d, Balancer rule) {
        int s = balanced.connect(t, rule, b.protocol[i], b.srcIp[i], b.srcPort[i], b.hash[i]);
        if (s < 0) {
            d.drop(i, DropReason.CONNTRACK_FULL);
            return false;
        }
        LbSessions.Session session = balanced.session(s);
        b.natAddress[i] = session.backend();
        b.natPort[i] = session.backendPort();
        b.natSession[i] = s;
        b.natStamp[i] = balanced.stamp(s);
        if (d.tracing()) {
            d.trace(i, Text.ip(b.dstIp[i]) + ":" + b.dstPort[i] + " is load-balancing rule " + rule.name() + "; backend " + Text.ip(session.backend())
                    + ":" + session.backendPort() + " (Maglev" + (rule.sourceIp() ? " by client address" : "") + ", kept for the connection)");
        }
        return true;
    }

    /**
     * A client's ICMP error about a reply on balanced connection (the packet it carries came from the frontend): the
     * connection's, whose backend (in the NAT columns) gets it, the carried packet's source translated back by {@code rewrite}
     * (RFC 5508); -1 when it is about no connection tracked here, or one with a floating IP (the backend answers as the
     * frontend: nothing to translate).
     */
    private int toBackend(PacketBatch b, int i, int vni, Dispatch d) {
        int about = IcmpError.protocol(b, i);
        int s = about == Parser.TCP || about == Parser.UDP ? balanced.find(vni, about, IcmpError.destination(b, i), IcmpError.destinationPort(b, i),
                IcmpError.source(b, i), IcmpError.sourcePort(b, i)) : -1;
        LbSessions.Session session = s >= 0 ? balanced.session(s) : null;
        if (session == null || session.backend() == session.frontend()) {
            return -1;
        }
        b.natAddress[i] = session.backend();
        b.natPort[i] = session.backendPort();
        b.natSession[i] = s;
        b.natStamp[i] = balanced.stamp(s);
        if (d.tracing()) {
            d.trace(i, "an ICMP error about a balanced connection's reply: to the backend " + Text.ip(session.backend()) + ":" + session.backendPort()
                    + ", the packet it carries from it");
        }
        return s;
    }

    /**
     * For a packet to a local port: {@code UNNAT} when it is a backend's reply on a balanced connection, or an ICMP error a
     * backend sends about a packet of one (RFC 5508: translated as its connection is, by {@code rewrite}); the NAT columns then
     * hold the frontend. Else 0.
     */
    private int unbalance(PacketBatch b, int i, ForwardingTables t, Dispatch d) {
        if (!t.balances()) {
            return 0;
        }
        int s;
        if (IcmpError.is(b, i)) { // the packet it carries went client → backend; the error comes from the backend itself
            int about = IcmpError.protocol(b, i);
            s = (about == Parser.TCP || about == Parser.UDP) && IcmpError.destination(b, i) == b.srcIp[i]
                    ? balanced.reverse(b.vni[i], about, IcmpError.destination(b, i), IcmpError.destinationPort(b, i), IcmpError.source(b, i),
                            IcmpError.sourcePort(b, i)) : -1;
        } else if (b.protocol[i] == Parser.TCP || b.protocol[i] == Parser.UDP) {
            s = balanced.reverse(b.vni[i], b.protocol[i], b.srcIp[i], b.srcPort[i], b.dstIp[i], b.dstPort[i]);
        } else {
            return 0;
        }
        if (s < 0) {
            return 0;
        }
        LbSessions.Session session = balanced.session(s);
        b.natAddress[i] = session.frontend();
        b.natPort[i] = session.frontendPort();
        b.natSession[i] = s;
        b.natStamp[i] = balanced.stamp(s);
        if (d.tracing()) {
            d.trace(i, (IcmpError.is(b, i) ? "an ICMP error about a balanced connection: its source and the packet it carries become the frontend "
                    : "a reply on a balanced connection: its source becomes the frontend ") + Text.ip(session.frontend()) + ":" + session.frontendPort());
        }
        return FlowCache.UNNAT;
    }

    /** A port's packet out of its virtual network, sent to the gateway (the router's MAC), as it must be: {@link #egress}; else dropped. */
    private int toOutside(PacketBatch b, int i, ForwardingTables t, Dispatch d, int in) {
        return Bytes.mac(b.memory(), b.start[i]) != ForwardingTables.ROUTER_MAC ? d.drop(i, DropReason.NO_ROUTE) : egress(b, i, t, d, in);
    }

    /** A port's packet to outside its virtual network: by its own public address, else its subnet's NAT gateway, else nowhere. */
    private int egress(PacketBatch b, int i, ForwardingTables t, Dispatch d, int in) {
        int dst = b.dstIp[i];
        if (b.srcIp[i] != t.portIp[in] && t.isPublicFloating(b.vni[i], b.srcIp[i])) { // direct server return, from this host's uplink
            if (t.uplink == null) {
                return d.drop(i, DropReason.NO_EGRESS);
            }
            toUplink(b, i, FlowCache.UPLINK | FlowCache.ROUTE, b.srcIp[i], b.srcPort[i]);
            if (d.tracing()) {
                d.trace(i, Text.ip(dst) + " is outside VNI " + b.vni[i] + ": a backend's direct reply from floating frontend " + Text.ip(b.srcIp[i])
                        + ", out of this host's uplink " + t.uplink.device());
            }
            return SECURITY;
        }
        int mux = t.balances() ? t.replyRoute(b.vni[i], b.srcIp[i], b.protocol[i], b.srcPort[i]) : 0;
        if (mux == t.localUnderlay) {
            int reply = balanced.reverse(b.vni[i], b.protocol[i], b.srcIp[i], b.srcPort[i], dst, b.dstPort[i]);
            if (reply >= 0) {
                return toClient(b, i, d, reply, FlowCache.ROUTE);
            }
        } else if (mux != 0) { // a backend of a public frontend answers: back through the MUX, which knows the connection
            b.action[i] = FlowCache.ENCAP | FlowCache.ROUTE;
            b.outPort[i] = -1;
            b.outAddress[i] = mux;
            b.encap[i] = t.encapsulation(b.vni[i]);
            b.nextHopMac[i] = ForwardingTables.ROUTER_MAC;
            if (d.tracing()) {
                d.trace(i, Text.ip(dst) + " is outside VNI " + b.vni[i] + ": a backend's reply of a public frontend, to its MUX " + Text.ip(mux));
            }
            return SECURITY;
        }
        if (t.portPublicIp[in] != 0) {
            int port = IcmpError.is(b, i) ? IcmpError.destinationPort(b, i) : b.srcPort[i]; // an error: the port it is about
            toUplink(b, i, FlowCache.UPLINK | FlowCache.ROUTE, t.portPublicIp[in], port);
            if (d.tracing()) {
                d.trace(i, Text.ip(dst) + " is outside VNI " + b.vni[i] + ": leaves by the uplink " + t.uplink.device()
                        + " as the port's public address " + Text.ip(t.portPublicIp[in]));
            }
            return SECURITY;
        }
        int gateway = t.portNat[in];
        if (gateway < 0) {
            return d.drop(i, DropReason.NO_EGRESS);
        }
        if (t.natServedHere[gateway]) {
            return throughNatGateway(b, i, t, d, gateway, FlowCache.ROUTE);
        }
        b.action[i] = FlowCache.ENCAP | FlowCache.ROUTE;
        b.outPort[i] = -1;
        b.outAddress[i] = t.natHost[gateway];
        b.encap[i] = t.encapsulation(b.vni[i]);
        b.nextHopMac[i] = ForwardingTables.ROUTER_MAC;
        if (d.tracing()) {
            d.trace(i, Text.ip(dst) + " is outside VNI " + b.vni[i] + ": to NAT gateway " + t.natName[gateway] + " on host "
                    + Text.ip(t.natHost[gateway]));
        }
        return SECURITY;
    }

    /** A backend's reply on a public frontend's connection {@code s}, on the MUX: out of the uplink from the frontend. */
    private int toClient(PacketBatch b, int i, Dispatch d, int s, int route) {
        LbSessions.Session session = balanced.session(s);
        toUplink(b, i, FlowCache.UPLINK | FlowCache.UNNAT | route, session.frontend(), session.frontendPort());
        b.natSession[i] = s;
        b.natStamp[i] = balanced.stamp(s);
        if (d.tracing()) {
            d.trace(i, "a backend's reply to a public frontend's client: out of the uplink from " + Text.ip(session.frontend()) + ":"
                    + session.frontendPort());
        }
        return SECURITY;
    }

    /** Source NAT on this Gateway host: the flow's translation (a new one for a new flow), then out by the uplink. */
    private int throughNatGateway(PacketBatch b, int i, ForwardingTables t, Dispatch d, int gateway, int route) {
        int protocol = b.protocol[i];
        if ((b.flags[i] & Parser.FLAG_FRAGMENT) != 0) {
            return d.drop(i, DropReason.FRAGMENT_FILTERED); // translated by port, which a fragment may not carry
        }
        if (IcmpError.is(b, i)) { // an ICMP error about a reply that came in through the gateway: out as the translation
            int s = sessions.find(b.vni[i], IcmpError.protocol(b, i), IcmpError.destination(b, i), IcmpError.destinationPort(b, i),
                    IcmpError.source(b, i), IcmpError.sourcePort(b, i));
            if (s < 0 || IcmpError.destination(b, i) != b.srcIp[i]) {
                return d.drop(i, DropReason.NO_EGRESS); // about no translation of the sender's
            }
            toUplink(b, i, FlowCache.UPLINK | route, sessions.publicIp(s), sessions.publicPort(s));
            b.natSession[i] = -1;
            if (d.tracing()) {
                d.trace(i, "an ICMP error about NAT gateway " + t.natName[gateway] + "'s translation of " + Text.ip(b.srcIp[i]) + ":"
                        + IcmpError.destinationPort(b, i) + ": leaves as " + Text.ip(b.natAddress[i]) + ":" + b.natPort[i]);
            }
            return SECURITY;
        }
        if (protocol != Parser.TCP && protocol != Parser.UDP && (protocol != Parser.ICMP || (b.flags[i] & Parser.FLAG_ECHO) == 0)) {
            return d.drop(i, DropReason.NO_EGRESS); // nothing to translate by
        }
        int s = sessions.allocate(b.vni[i], protocol, b.srcIp[i], b.srcPort[i], b.dstIp[i], b.dstPort[i], t.natAddresses[gateway],
                t.natIdleNanos[gateway]);
        if (s < 0) {
            return d.drop(i, DropReason.NAT_PORT_EXHAUSTED);
        }
        toUplink(b, i, FlowCache.UPLINK | route, sessions.publicIp(s), sessions.publicPort(s));
        b.natSession[i] = s;
        b.natStamp[i] = sessions.stamp(s);
        if (d.tracing()) {
            d.trace(i, Text.ip(b.dstIp[i]) + " is outside VNI " + b.vni[i] + ": NAT gateway " + t.natName[gateway] + " (served here) translates "
                    + Text.ip(b.srcIp[i]) + ":" + b.srcPort[i] + " to " + Text.ip(b.natAddress[i]) + ":" + b.natPort[i]);
        }
        return SECURITY;
    }

    /** A packet from the uplink, its destination already translated by {@code nat-in}: to the VM's port here, or to its host. */
    private int fromUplink(PacketBatch b, int i, ForwardingTables t, Dispatch d) {
        int vni = b.vni[i];
        int entry = t.lookup(vni, b.dstIp[i]);
        int s = b.natSession[i];
        b.natAddress[i] = 0;
        b.natPort[i] = 0;
        int floating = 0;
        if (entry < 0 && s >= 0) { // a floating public frontend: nat-in chose the backend, the address stays
            entry = t.lookup(vni, balanced.session(s).backend());
            floating = FlowCache.FLOAT;
        } else {
            b.natSession[i] = -1; // nat-in translated: the cached flow needs no connection of its own
            b.natStamp[i] = 0;
        }
        if (entry < 0) {
            return d.drop(i, DropReason.UNKNOWN_DESTINATION);
        }
        int local = toEntry(b, i, t, entry, FlowCache.ROUTE | floating);
        if (d.tracing()) {
            d.trace(i, Text.ip(b.dstIp[i]) + " in VNI " + vni + " is " + (local >= 0 ? "local port " + t.ports[local].name()
                    : "on host " + Text.ip(t.entryProvider[entry])));
        }
        return SECURITY;
    }
}

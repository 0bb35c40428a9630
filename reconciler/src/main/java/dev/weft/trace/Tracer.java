package dev.weft.trace;

import dev.weft.contract.ContractException;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.trace.Probe;
import dev.weft.model.Host;
import dev.weft.model.Kind;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.model.ResourceId;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code weft trace}: what ovn-trace is to OVN. Builds the first packet of a flow from a NIC (its MAC and
 * IP; the destination's MAC within the subnet, the gateway's beyond it) or from an address outside the fleet (into
 * the uplink of the host that owns the public destination), runs it on that host and, when that host encapsulates it,
 * runs the bytes it would send on the host they are addressed to.
 */
public final class Tracer {

    /** Bad arguments: an unknown NIC, or an address that isn't one. */
    public static final class TraceException extends Exception {
        public TraceException(String message) {
            super(message);
        }
    }

    /** The source MAC of a traced frame from outside the fleet: its uplink neighbour's, which no node reads. */
    static final long OUTSIDE_MAC = 0x02_00_00_00_00_01L;

    private final Model model;
    private final HostTracer hosts;

    public Tracer(Model model, HostTracer hosts) {
        this.model = model;
        this.hosts = hosts;
    }

    /**
     * Traces the first packet of a flow from {@code from} ({@code tenant/nic}, or an IPv4 address outside the fleet) to
     * {@code to}, sent with TTL {@code ttl}: a TCP SYN, a UDP datagram or an ICMP echo request. With {@code tsoBytes} &gt; 0
     * (TCP) the packet is a VM's TSO frame instead: a data segment carrying {@code tsoBytes} bytes handed over whole, to be
     * cut into segments of {@code segmentSize} bytes where it must be; with UDP a VM's USO frame of {@code tsoBytes} bytes
     * in datagrams of {@code segmentSize} bytes, likewise. With {@code vlan} other than 0 the VM sends it on that 802.1Q VLAN.
     */
    public TraceReport trace(String from, Ipv4 to, Probe.Protocol protocol, int sourcePort, int destinationPort, int tsoBytes, int segmentSize,
                             int ttl, int vlan) throws TraceException, IOException, InterruptedException, ContractException {
        Ipv4 outside = Ipv4.tryParse(from);
        if (outside != null) {
            if (vlan != 0) {
                throw new TraceException("--vlan tags what a VM sends; from outside the fleet (--from " + outside + ") a packet comes untagged");
            }
            return fromOutside(outside, to, protocol, sourcePort, destinationPort, tsoBytes, ttl);
        }
        if (vlan != 0 && tsoBytes > 0) {
            throw new TraceException("--vlan and --tso: a VM's offload frame is traced untagged");
        }
        NetworkInterface nic = nic(from);
        VirtualNetwork network = model.networks().get(nic.networkId());
        Ipv4Prefix subnet = network.subnet(nic.subnet()).orElseThrow().addressPrefix();
        long dstMac = subnet.contains(to) ? neighbour(nic, to).map(n -> n.macAddress().value()).orElse(ForwardingTables.ROUTER_MAC)
                : ForwardingTables.ROUTER_MAC;
        // to port 53 over UDP the probe is a DNS query, for the NIC's own name, so the trace shows the answer
        byte[] payload = protocol == Probe.Protocol.udp && destinationPort == 53
                ? Probe.dnsQuery(nic.name() + "." + network.domain(), 1) : new byte[16];
        String port = nic.namespace() + "/" + nic.name();
        byte[] frame = tsoBytes > 0 && protocol == Probe.Protocol.tcp
                ? Probe.tcpData(nic.macAddress().value(), dstMac, nic.ipAddress().value(), to.value(), sourcePort, destinationPort, tsoBytes)
                : Probe.frame(nic.macAddress().value(), dstMac, nic.ipAddress().value(), to.value(), protocol, sourcePort, destinationPort,
                        tsoBytes > 0 ? new byte[tsoBytes] : payload);
        frame = Probe.vlan(Probe.ttl(frame, ttl), vlan);
        TraceRequest request = tsoBytes > 0 ? TraceRequest.fromPort(port, frame, segmentSize) : TraceRequest.fromPort(port, frame);
        return follow(port, model.hosts().get(nic.host()), request, to, protocol, sourcePort, destinationPort, ttl,
                protocol == Probe.Protocol.udp && tsoBytes > 0, segmentSize).onVlan(vlan);
    }

    /**
     * A packet from {@code source}, outside the fleet, to public address {@code to}: it comes in by the uplink of the host that
     * owns {@code to} (a NIC's public address, a NAT gateway's, a public load-balancer frontend's) in the tables traced
     * through: the revision's, or with {@code --live} the agents'.
     */
    private TraceReport fromOutside(Ipv4 source, Ipv4 to, Probe.Protocol protocol, int sourcePort, int destinationPort, int tsoBytes, int ttl)
            throws TraceException, IOException, InterruptedException, ContractException {
        if (tsoBytes > 0) {
            throw new TraceException("--tso makes the packet a VM's offload frame; from outside the fleet (--from " + source + ") a packet is a plain one");
        }
        Host host = uplinkOwner(to);
        byte[] frame = Probe.ttl(Probe.frame(OUTSIDE_MAC, 0, source.value(), to.value(), protocol, sourcePort, destinationPort, new byte[16]), ttl);
        return follow(source.toString(), host, TraceRequest.fromUplink(frame), to, protocol, sourcePort, destinationPort, ttl, false, 0);
    }

    /**
     * Runs {@code request} on {@code host} and, when that host encapsulates the packet, what it sends on the host it is
     * addressed to. {@code uso}: the packet is a VM's USO frame of {@code segmentSize}-byte datagrams.
     */
    private TraceReport follow(String from, Host host, TraceRequest request, Ipv4 to, Probe.Protocol protocol, int sourcePort,
                               int destinationPort, int ttl, boolean uso, int segmentSize)
            throws TraceException, IOException, InterruptedException, ContractException {
        TraceResponse response = hosts.run(host, request);
        List<TraceReport.Step> steps = new ArrayList<>(TraceReport.steps(response));
        if (response.outcome() == TraceResponse.Outcome.ENCAPSULATED) {
            Ipv4 source = host.underlayAddress();
            String sender = host.name();
            host = model.hosts().values().stream().filter(h -> h.underlayAddress().equals(response.underlay())).findFirst()
                    .orElseThrow(() -> new TraceException(response.underlay() + ", where " + sender + " sends the packet, is no Host's underlayAddress"));
            boolean wholeUso = uso && !response.cut(); // its datagrams' size comes with it
            TraceResponse next = hosts.run(host, wholeUso ? TraceRequest.fromUnderlay(source, response.frameBytes(), segmentSize)
                    : TraceRequest.fromUnderlay(source, response.encapsulation(), response.frameBytes()));
            steps.addAll(TraceReport.steps(next));
            if (next.outcome() == TraceResponse.Outcome.ENCAPSULATED) {
                throw new TraceException(host.name() + " sends the packet on to " + next.underlay() + " instead of delivering it: a forwarding loop");
            }
            return report(from, to, protocol, sourcePort, destinationPort, ttl, steps, next, response.segments(),
                    response.cut() ? response.host() : next.cut() ? next.host() : null);
        }
        return report(from, to, protocol, sourcePort, destinationPort, ttl, steps, response, response.segments(), response.cut() ? response.host() : null);
    }

    private TraceReport report(String from, Ipv4 to, Probe.Protocol protocol, int sourcePort, int destinationPort, int ttl,
                               List<TraceReport.Step> steps, TraceResponse last, int segments, String cutOn) {
        boolean delivered = last.outcome() == TraceResponse.Outcome.DELIVERED;
        boolean uplink = last.outcome() == TraceResponse.Outcome.UPLINK;
        String dropNode = delivered || uplink || steps.isEmpty() ? null : steps.getLast().node();
        return new TraceReport(model.revision(), from, to.toString(), protocol.name(),
                protocol == Probe.Protocol.icmp ? 0 : sourcePort, protocol == Probe.Protocol.icmp ? 0 : destinationPort, ttl, steps, delivered,
                last.host(), uplink ? null : last.port(), dropNode, last.dropReason(), uplink ? last.port() : null, Math.max(1, segments),
                segments > 1 ? cutOn : null, 0);
    }

    /**
     * The host whose uplink takes packets to public address {@code address} in the tables traced through. A host whose agent
     * can't be asked (with {@code --live}) owns nothing: a packet can't come in there.
     */
    private Host uplinkOwner(Ipv4 address) throws TraceException, InterruptedException {
        List<String> unasked = new ArrayList<>();
        for (Host host : model.hosts().values()) {
            try {
                if (hosts.owns(host, address)) {
                    return host;
                }
            } catch (IOException e) {
                unasked.add(host.name() + ": " + e.getMessage());
            }
        }
        throw new TraceException("no host owns " + address + " on its uplink at " + shortRevision()
                + ": from outside, a packet reaches the fleet only at a public address (a NIC's, a NAT gateway's or a public load balancer frontend)"
                + (unasked.isEmpty() ? "" : "; not asked, unreachable: " + String.join("; ", unasked)));
    }

    private NetworkInterface nic(String from) throws TraceException {
        String[] parts = from.split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new TraceException("--from takes TENANT/NIC, e.g. tenant-a/web-1, not " + from);
        }
        NetworkInterface nic = model.interfaces().get(new ResourceId(Kind.NetworkInterface, parts[0], parts[1]));
        if (nic == null) {
            throw new TraceException("no NetworkInterface " + parts[1] + " in namespace " + parts[0] + " at " + shortRevision());
        }
        return nic;
    }

    /** The NIC of the same virtual network with address {@code ip}: the MAC an ARP request would get. */
    private Optional<NetworkInterface> neighbour(NetworkInterface nic, Ipv4 ip) {
        return model.interfaces().values().stream()
                .filter(n -> n.networkId().equals(nic.networkId()) && n.ipAddress().equals(ip)).findFirst();
    }

    private String shortRevision() {
        return model.revision().length() > 12 ? model.revision().substring(0, 12) : model.revision();
    }
}

package dev.weft.cli;

import dev.weft.compile.Compiled;
import dev.weft.contract.ContractException;
import dev.weft.fastpath.node.DnsServer;
import dev.weft.fastpath.node.DnsTcp;
import dev.weft.fastpath.node.IcmpEcho;
import dev.weft.fastpath.node.IcmpTimeExceeded;
import dev.weft.fastpath.node.LbReset;
import dev.weft.fastpath.node.PortOutput;
import dev.weft.fastpath.trace.PacketTracer;
import dev.weft.fastpath.trace.Probe;
import dev.weft.net.Ipv4;
import dev.weft.trace.CompiledTracer;
import dev.weft.trace.LiveTracer;
import dev.weft.trace.TraceReport;
import dev.weft.trace.Tracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.SerializationFeature;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Follow one packet through the fastpath, node by node, as ovn-trace does for OVN: from a NIC, or from an address "
                + "outside the fleet into the uplink of the host that owns the public address it is sent to.",
                "The packet goes through the same graph nodes that forward real packets, over the tables of the first host (and of "
                + "the destination's host when it is encapsulated): compiled from the revision, or with --live the tables the agents "
                + "hold now. Nothing is sent. It is the first packet of its flow (a TCP SYN, a UDP datagram or an ICMP echo request; "
                + "with --tso a TCP data segment as one TSO frame, or UDP datagrams as one USO frame), so the flow cache misses and "
                + "security rules decide it."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:delivered to a port, or sent on a host's uplink", "1:error (bad arguments, unknown NIC, invalid revision, unreachable agent)", "2:dropped"})
public final class TraceCommand implements Callable<Integer> {

    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Mixin
    RepoOptions repo;

    @Option(names = "--rev", paramLabel = "REV", description = "Revision whose manifests name the NIC and the hosts (default: HEAD).")
    String rev;

    @Option(names = "--from", required = true, paramLabel = "TENANT/NIC|IP", description = {"The NetworkInterface the packet leaves, e.g. "
            + "tenant-a/web-1; or an IPv4 address outside the fleet, e.g. 203.0.113.1: the packet then comes in by the uplink of the "
            + "host that owns --to (a NIC's public address, a NAT gateway's or a public load balancer frontend) in the revision's tables, or with --live the agents'."})
    String from;

    @Option(names = "--to", required = true, paramLabel = "IP", description = "The destination address (from outside the fleet: a public one).")
    String to;

    @Option(names = "--proto", paramLabel = "PROTO", defaultValue = "icmp", description = "tcp, udp or icmp (default: ${DEFAULT-VALUE}).")
    Probe.Protocol protocol;

    @Option(names = "--dport", paramLabel = "N", description = "Destination port (tcp and udp; required for them).")
    Integer destinationPort;

    @Option(names = "--sport", paramLabel = "N", defaultValue = "49152", description = "Source port, or the ICMP echo identifier (default: ${DEFAULT-VALUE}).")
    int sourcePort;

    @Option(names = "--tso", paramLabel = "BYTES", description = {"With --proto tcp: the packet is a VM's TSO frame, a data segment carrying "
            + "BYTES bytes (up to 65445) handed over whole, shown as one GSO frame until a node or the host's device cuts it. "
            + "With --proto udp: a VM's USO frame (one UDP_SEGMENT send) of BYTES bytes (up to 65000) in datagrams of --mss "
            + "bytes (at most 128 of them), handed over whole like a TSO frame; each host's send step says whether it "
            + "leaves whole or cut into its datagrams."})
    Integer tsoBytes;

    @Option(names = "--mss", paramLabel = "BYTES", defaultValue = "1448", description = "The TSO frame's segment size, the USO frame's datagram size (default: ${DEFAULT-VALUE}).")
    int segmentSize;

    @Option(names = "--ttl", paramLabel = "N", defaultValue = "64", description = {"The packet's IPv4 TTL, 0-255 (default: ${DEFAULT-VALUE}). "
            + "A routed packet sent with TTL 1 shows what traceroute's first probe meets: the distributed router's time exceeded."})
    int ttl;

    @Option(names = "--vlan", paramLabel = "ID", defaultValue = "0", description = {"The VM sends the packet on 802.1Q VLAN ID, 1-4094 "
            + "(default: untagged). Weft carries a VM's tagged frames with their tag, and the router answers them on it."})
    int vlan;

    @Option(names = "--live", description = "Trace through the tables the agents hold now (POST /v1/trace) instead of the revision's.")
    boolean live;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Mixin
    AgentOptions agents;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Ipv4 destination = Ipv4.tryParse(to);
        if (destination == null) {
            err.println("error: --to takes an IPv4 address, not " + to);
            return 1;
        }
        if (protocol != Probe.Protocol.icmp && destinationPort == null) {
            err.println("error: --dport is required with --proto " + protocol);
            return 1;
        }
        if (tsoBytes != null && protocol == Probe.Protocol.udp
                && (tsoBytes < 1 || tsoBytes > 65000 || segmentSize < 1 || segmentSize > 9000 || (tsoBytes + segmentSize - 1) / segmentSize > 128)) {
            err.println("error: --tso with --proto udp takes 1-65000 bytes in at most 128 datagrams of --mss 1-9000 bytes");
            return 1;
        }
        if (tsoBytes != null && (protocol == Probe.Protocol.icmp || tsoBytes < 1 || tsoBytes > 65445 || segmentSize < 1 || segmentSize > 9000)) {
            err.println("error: --tso takes 1-65445 bytes with --proto tcp (or udp), and --mss 1-9000");
            return 1;
        }
        if (ttl < 0 || ttl > 255) {
            err.println("error: --ttl takes 0-255, not " + ttl);
            return 1;
        }
        if (vlan < 0 || vlan > 4094) {
            err.println("error: --vlan takes 1-4094, not " + vlan);
            return 1;
        }
        int dport = destinationPort == null ? 0 : destinationPort;
        if (dport < 0 || dport > 65535 || sourcePort < 0 || sourcePort > 65535) {
            err.println("error: ports are 0-65535");
            return 1;
        }
        Compiled compiled = Desired.compile(repo, rev, err);
        if (compiled == null) {
            return 1;
        }
        TraceReport report;
        try {
            Tracer tracer = new Tracer(compiled.model(), live ? new LiveTracer(agents.access()) : new CompiledTracer(compiled));
            report = tracer.trace(from, destination, protocol, sourcePort, dport, tsoBytes == null ? 0 : tsoBytes, segmentSize, ttl, vlan);
        } catch (Tracer.TraceException | ContractException | IOException | GeneralSecurityException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        out.print(output == Output.json ? json(report) : text(report));
        out.flush();
        return report.delivered() || report.uplink() != null ? 0 : 2;
    }

    static String json(TraceReport report) {
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(report) + "\n";
    }

    /** Nodes that answer a packet in place, sending the reply back to the port it came from. */
    private static final Set<String> ANSWERING = Set.of(IcmpEcho.NAME, IcmpTimeExceeded.NAME, DnsServer.NAME, DnsTcp.NAME, LbReset.NAME);

    /** The node that answered the traced packet (its reply then went back to the sender's port), or null. */
    static String answeredBy(TraceReport report) {
        if (!report.delivered()) {
            return null;
        }
        List<TraceReport.Step> steps = report.steps();
        for (int k = steps.size() - 1; k >= 0; k--) { // the node before port-output (and any send step after it)
            String node = steps.get(k).node();
            if (!node.equals(PortOutput.NAME) && !node.equals(PacketTracer.SEND)) {
                return ANSWERING.contains(node) ? node : null;
            }
        }
        return null;
    }

    static String text(TraceReport report) {
        StringBuilder out = new StringBuilder();
        boolean udp = report.protocol().equals("udp");
        String pieces = udp ? " datagrams" : " segments";
        String ports = (report.protocol().equals("icmp") ? "" : " " + report.sourcePort() + " → " + report.destinationPort())
                + (report.segments() <= 1 ? "" : ", a " + (udp ? "USO" : "TSO") + " frame of " + report.segments() + pieces)
                + (report.ttl() == 64 ? "" : ", TTL " + report.ttl()) + (report.vlan() == 0 ? "" : ", VLAN " + report.vlan());
        out.append("trace ").append(report.from()).append(" → ").append(report.to()).append(' ').append(report.protocol()).append(ports)
                .append(" at ").append(report.revision(), 0, Math.min(12, report.revision().length())).append("\n\n");
        int hostWidth = report.steps().stream().mapToInt(s -> s.host().length()).max().orElse(0);
        int nodeWidth = report.steps().stream().mapToInt(s -> s.node().length()).max().orElse(0);
        for (TraceReport.Step step : report.steps()) {
            out.append(String.format("  %-" + hostWidth + "s  %-" + nodeWidth + "s  %s%n", step.host(), step.node(), step.decision()));
        }
        out.append('\n');
        String as = report.segments() <= 1 ? "" : report.cutOn() == null ? ", one " + (udp ? "USO" : "GSO") + " frame of " + report.segments() + pieces
                : ", the first of its " + report.segments() + pieces + " (cut on " + report.cutOn() + ")";
        String answeredBy = answeredBy(report);
        if (answeredBy != null) {
            out.append("answered on ").append(report.host()).append(" by ").append(answeredBy).append(as).append(": the reply delivered to port ")
                    .append(report.port()).append('\n');
        } else if (report.delivered()) {
            out.append("delivered to port ").append(report.port()).append(" on ").append(report.host()).append(as).append('\n');
        } else if (report.uplink() != null) {
            out.append("sent on uplink ").append(report.uplink()).append(" of ").append(report.host()).append(as).append('\n');
        } else {
            out.append("dropped on ").append(report.host()).append(" by ").append(report.dropNode()).append(": ").append(report.dropReason()).append('\n');
        }
        return out.toString();
    }
}

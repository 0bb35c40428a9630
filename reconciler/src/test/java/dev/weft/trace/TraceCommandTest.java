package dev.weft.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.CliRun;
import dev.weft.cli.ExampleRepo;
import dev.weft.reconcile.Fleetlet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** weft trace on manifests-example: one packet through the real graph nodes, each decision printed. */
class TraceCommandTest {

    static final String DB_NSG = """
            ---
            apiVersion: weft.dev/v1alpha1
            kind: NetworkSecurityGroup
            metadata: {name: db-nsg, namespace: tenant-a}
            spec:
              securityRules:
                - {name: allow-postgres-from-web, priority: 100, direction: Inbound, action: Allow, protocol: TCP,
                   sourceAddressPrefixes: [10.1.1.0/24], destinationPortRanges: ["5432"]}
                - {name: deny-ssh, priority: 200, direction: Inbound, action: Deny, protocol: TCP, destinationPortRanges: ["22"]}
            """;

    @TempDir
    Path dir;

    ExampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = new ExampleRepo(dir.resolve("repo"));
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    /** Runs weft trace; the output with runs of spaces (the column padding) as one. */
    private CliRun trace(String... more) {
        List<String> args = new ArrayList<>(List.of("trace", "--repo", repo.dir().toString()));
        args.addAll(List.of(more));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        return new CliRun(run.exitCode(), run.out().replaceAll(" +", " "), run.err());
    }

    @Test
    void udpToAVmThatTakesCoalescedUdpSaysSo() throws Exception {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "udp", "--dport", "9999");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-b send UDP to a VM that takes coalesced UDP: with the datagrams of its flow that follow it in a batch, as one frame");
        CliRun plain = trace("--from", "tenant-a/web-1", "--to", "10.1.2.5", "--proto", "udp", "--dport", "9999");
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(plain.out()).as("db-2 takes every datagram as its own frame").doesNotContain("coalesced");
    }

    @Test
    void rateLimitsAndTapsShowInTheTrace() throws Exception {
        repo.replace("tenants/tenant-a/nics.yaml", "  ipAddress: 10.1.1.5\n", "  ipAddress: 10.1.1.5\n  qosSettings: {inboundMaximumMbps: 100}\n");
        repo.append("tenants/tenant-a/routing.yaml", dev.weft.netns.NetnsMirrorTest.TAP.replace("[web-1, web-2]", "[web-1]")).commit("a limit and a tap");
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a tap-input copied for tap tenant-a/capture-web (outbound)")
                .contains("host-b port-output deliver to port tenant-a/web-2 (inbound limit 100 Mbit/s: over it, the frame waits in the port's queue)");
    }

    @Test
    void aUserRouteSendsThePacketToTheApplianceAndTheTraceNamesTheRoute() {
        CliRun run = trace("--from", "tenant-a/db-1", "--to", "10.1.1.4");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("host-c ip4-lookup 10.1.1.4: route via-fw/web-through-fw 10.1.1.0/24 → VirtualAppliance 10.1.3.4 decides")
                .contains("host-c ip4-lookup to virtual appliance 10.1.3.4, on host 198.18.0.2")
                .contains("host-b ip4-lookup addressed to the MAC of local port tenant-a/fw-1, a virtual appliance: routed through it")
                .contains("delivered to port tenant-a/fw-1 on host-b");
        run = trace("--from", "tenant-a/db-1", "--to", "10.1.2.5");
        assertThat(run.out()).as("within the subnet, the system route decides").contains("10.1.2.5: system route 10.1.0.0/16 → VnetLocal decides")
                .contains("delivered to port tenant-a/db-2 on host-a");
        run = trace("--from", "tenant-a/web-1", "--to", "10.9.1.4");
        assertThat(run.out()).as("a peered network: on with its VNI").contains("10.9.1.4 is in a network peered with VNI 5001: on with VNI 5009")
                .contains("delivered to port tenant-a/jump-1 on host-c");
    }

    @Test
    void acrossSubnetsOnOneHostThePacketIsRoutedAndDelivered() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.2.5");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("host-a tap-input from port tenant-a/web-1, VNI 5001")
                .contains("ethernet-input ICMP 10.1.1.4 → 10.1.2.5 echo request id 49152")
                .contains("flow-lookup miss")
                .contains("ip4-lookup 10.1.2.5 in VNI 5001 is local port tenant-a/db-2, routed from subnet 10.1.1.0/24")
                .contains("security outbound tenant-a/web-1: allowed by tenant-a/web-public/AllowVnetOutBound")
                .contains("rewrite routed: TTL 64 → 63")
                .contains("port-output deliver to port tenant-a/db-2")
                .endsWith("delivered to port tenant-a/db-2 on host-a\n");
    }

    @Test
    void aPingToTheGatewayIsAnsweredByTheRouter() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("host-a ip4-input ICMP echo request to a gateway address: answered by the router")
                .contains("host-a icmp-echo echo reply from the router's 10.1.1.1 to 10.1.1.4")
                .endsWith("host-a port-output deliver to port tenant-a/web-1\n\nanswered on host-a by icmp-echo: the reply delivered to port tenant-a/web-1\n");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.1", "--proto", "udp", "--dport", "7").out())
                .as("only ICMP echo: other traffic to the gateway goes nowhere").contains("dropped on host-a");
    }

    @Test
    void aRoutedPacketWhoseTtlRunsOutIsAnsweredByTheRouter() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.2.5", "--proto", "udp", "--dport", "33434", "--ttl", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("trace tenant-a/web-1 → 10.1.2.5 udp 49152 → 33434, TTL 1")
                .contains("host-a rewrite routed: TTL 1, expires here")
                .contains("host-a icmp-time-exceeded time exceeded: ICMP type 11 from the router's 10.1.1.1 back to 10.1.1.4, carrying the first 44 bytes of the packet")
                .endsWith("host-a port-output deliver to port tenant-a/web-1\n\nanswered on host-a by icmp-time-exceeded: the reply delivered to port tenant-a/web-1\n");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.2.5", "--ttl", "2").out()).as("TTL 2 gets there")
                .contains("rewrite routed: TTL 2 → 1").contains("delivered to port tenant-a/db-2 on host-a");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--ttl", "1").out()).as("switched within the subnet: no hop")
                .contains("delivered to port tenant-a/web-2 on host-b");
        CliRun inbound = trace("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80", "--ttl", "1");
        assertThat(inbound.exitCode()).isEqualTo(2);
        assertThat(inbound.out()).contains("icmp-time-exceeded no ICMP error: the sender is not a port on this host")
                .contains("dropped on host-a by icmp-time-exceeded: TTL_EXPIRED");
        CliRun bad = trace("--from", "tenant-a/web-1", "--to", "10.1.2.5", "--ttl", "256");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("--ttl takes 0-255, not 256");
    }

    @Test
    void aPacketSentOnAVlanIsAnsweredOnItAndCarriedWithItsTag() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.2.5", "--proto", "udp", "--dport", "33434", "--ttl", "1", "--vlan", "100");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("trace tenant-a/web-1 → 10.1.2.5 udp 49152 → 33434, TTL 1, VLAN 100")
                .contains("host-a icmp-time-exceeded time exceeded: ICMP type 11 from the router's 10.1.1.1 back to 10.1.1.4, carrying the first 44 bytes of the packet, on VLAN 100")
                .endsWith("answered on host-a by icmp-time-exceeded: the reply delivered to port tenant-a/web-1\n");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.1", "--vlan", "7").out())
                .contains("echo reply from the router's 10.1.1.1 to 10.1.1.4, on VLAN 7");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--vlan", "7").out()).as("switched with its tag")
                .contains(", on VLAN 7").contains("delivered to port tenant-a/web-2 on host-b");
        CliRun bad = trace("--from", "tenant-a/web-1", "--to", "10.1.2.5", "--vlan", "4095");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("--vlan takes 1-4094, not 4095");
        CliRun outside = trace("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80", "--vlan", "7");
        assertThat(outside.exitCode()).isEqualTo(1);
        assertThat(outside.err()).contains("--vlan tags what a VM sends");
    }

    @Test
    void toAnotherHostThePacketIsEncapsulatedAndDeliveredThere() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "udp", "--dport", "53");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("trace tenant-a/web-1 → 10.1.1.5 udp 49152 → 53")
                .contains("host-a ip4-lookup 10.1.1.5 in VNI 5001 is on host 198.18.0.2 (VXLAN), same subnet")
                .contains("host-a vxlan-encap VXLAN VNI 5001 → 198.18.0.2")
                .contains("host-b vxlan-input VXLAN VNI 5001 from 198.18.0.1")
                .contains("host-b ip4-lookup 10.1.1.5 in VNI 5001 is local port tenant-a/web-2")
                .endsWith("delivered to port tenant-a/web-2 on host-b\n");
    }

    @Test
    void routedAcrossSubnetsAndHostsAsJson() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.2.4", "--proto", "tcp", "--dport", "5432", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"delivered\" : true").contains("\"host\" : \"host-c\"").contains("\"port\" : \"tenant-a/db-1\"")
                .contains("\"node\" : \"vxlan-encap\"").contains("\"decision\" : \"routed: TTL 64 → 63");
    }

    @Test
    void aSecurityRuleDropIsNamedWithItsGroupAndRule() throws Exception {
        repo.append("tenants/tenant-a/network.yaml", DB_NSG)
                .replace("tenants/tenant-a/network.yaml", "      addressPrefix: 10.1.2.0/24\n", "      addressPrefix: 10.1.2.0/24\n      networkSecurityGroup: db-nsg\n")
                .commit("db-nsg on the db subnet");
        CliRun ssh = trace("--from", "tenant-a/web-1", "--to", "10.1.2.4", "--proto", "tcp", "--dport", "22");
        assertThat(ssh.exitCode()).isEqualTo(2);
        assertThat(ssh.out()).contains("host-c security inbound tenant-a/db-1: denied by tenant-a/db-nsg/deny-ssh")
                .endsWith("dropped on host-c by security: SECURITY_DENIED\n");
        CliRun postgres = trace("--from", "tenant-a/web-1", "--to", "10.1.2.4", "--proto", "tcp", "--dport", "5432");
        assertThat(postgres.exitCode()).isZero();
        assertThat(postgres.out()).contains("inbound tenant-a/db-1: allowed by tenant-a/db-nsg/allow-postgres-from-web");
        CliRun other = trace("--from", "tenant-a/web-1", "--to", "10.1.2.4", "--proto", "udp", "--dport", "9999");
        assertThat(other.exitCode()).isZero(); // a default rule, by name: inside the virtual network is allowed
        assertThat(other.out()).contains("inbound tenant-a/db-1: allowed by tenant-a/db-nsg/AllowVnetInBound");
    }

    @Test
    void anotherTenantsAddressIsNeverReached() throws Exception {
        repo.append("tenants/tenant-a/nics.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: web-3, namespace: tenant-a}
                spec: {virtualNetwork: blue, subnet: web, host: host-a, macAddress: "02:00:0a:01:01:06", ipAddress: 10.1.1.6}
                """).commit("web-3");
        CliRun run = trace("--from", "tenant-b/app-1", "--to", "10.1.1.6", "--proto", "tcp", "--dport", "80");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).doesNotContain("tenant-a/").endsWith("dropped on host-a by ip4-lookup: UNKNOWN_DESTINATION\n");
        // the same address as tenant-a's db-2 reaches tenant-b's own data-2
        CliRun own = trace("--from", "tenant-b/app-1", "--to", "10.1.2.5");
        assertThat(own.out()).doesNotContain("tenant-a/").endsWith("delivered to port tenant-b/data-2 on host-c\n");
    }

    @Test
    void anAddressOutsideTheNetworkHasNoWayOutWithoutAPublicAddressOrANatGateway() {
        CliRun run = trace("--from", "tenant-b/app-1", "--to", "203.0.113.1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).endsWith("dropped on host-a by ip4-lookup: NO_EGRESS\n");
    }

    @Test
    void aPortWithAPublicAddressLeavesByItsHostsUplinkTranslated() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "198.51.100.7", "--proto", "tcp", "--dport", "443");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("ip4-lookup 198.51.100.7 is outside VNI 5001: leaves by the uplink eth1 as the port's public address 203.0.113.10")
                .contains("nat-out source 10.1.1.4:")
                .contains("→ 203.0.113.10:")
                .endsWith("sent on uplink eth1 of host-a\n");
    }

    @Test
    void aLoadBalancersFrontendIsTranslatedToTheBackendMaglevChoseOnTheClientsHost() {
        CliRun run = trace("--from", "tenant-a/db-2", "--to", "10.1.1.100", "--proto", "tcp", "--dport", "80");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a ip4-lookup 10.1.1.100:80 is load-balancing rule tenant-a/web-lb/http; backend 10.1.1.")
                .contains("(Maglev, kept for the connection)")
                .contains("host-a rewrite load balanced: destination 10.1.1.100:80 → 10.1.1.")
                .containsPattern("delivered to port tenant-a/web-[12] on host-[ab]\n$");
    }

    @Test
    void aSubnetWithANatGatewayLeavesThroughTheGatewayHost() {
        CliRun run = trace("--from", "tenant-a/db-2", "--to", "198.51.100.7", "--proto", "udp", "--dport", "123");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a ip4-lookup 198.51.100.7 is outside VNI 5001: to NAT gateway tenant-a/egress on host 198.18.1.1")
                .contains("host-c ip4-lookup 198.51.100.7 is outside VNI 5001: NAT gateway tenant-a/egress (served here) translates 10.1.2.5:")
                .endsWith("sent on uplink eth1 of host-c\n");
    }

    @Test
    void dnsToTheGatewayIsAnsweredByTheHost() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.1", "--proto", "udp", "--dport", "53");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a dns A web-1.blue.tenant-a.internal → 10.1.1.4")
                .endsWith("answered on host-a by dns: the reply delivered to port tenant-a/web-1\n");
    }

    @Test
    void aVmsTsoFrameCrossesAsOneGsoFrameAndEachHostSaysHowItLeaves() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "tcp", "--dport", "80", "--tso", "65000");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("trace tenant-a/web-1 → 10.1.1.5 tcp 49152 → 80, a TSO frame of 45 segments")
                .contains("host-a underlay-output send to 198.18.0.2 (65062 bytes)")
                .contains("host-a send GSO frame, 45 segments of 1448 bytes: VXLAN whole where the host has a tunnel device")
                .contains("host-b send GSO frame, 45 segments of 1460 bytes: to the VM whole where its device takes TSO")
                .endsWith("delivered to port tenant-a/web-2 on host-b, one GSO frame of 45 segments\n");
    }

    @Test
    void aVmsUsoFrameCrossesAsOneFrameToAVmThatTakesCoalescedUdpAndIsCutForOneThatDoesNot() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "udp", "--dport", "4433", "--tso", "12000", "--mss", "1200");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("trace tenant-a/web-1 → 10.1.1.5 udp 49152 → 4433, a USO frame of 10 datagrams")
                .contains("host-a underlay-output send to 198.18.0.2 (12050 bytes)")
                .contains("host-a send USO frame, 10 datagrams of 1200 bytes: VXLAN whole where the host has a tunnel device")
                .contains("host-b send USO frame, 10 datagrams of 1200 bytes: to the VM whole where its device takes USO")
                .endsWith("delivered to port tenant-a/web-2 on host-b, one USO frame of 10 datagrams\n");
        CliRun db = trace("--from", "tenant-a/web-2", "--to", "10.1.2.5", "--proto", "udp", "--dport", "4433", "--tso", "12000", "--mss", "1200");
        assertThat(db.exitCode()).as(db.err()).isZero();
        assertThat(db.out()).contains("host-b send USO frame, 10 datagrams of 1200 bytes: VXLAN whole")
                .contains("host-a send cut: USO frame, 10 datagrams of 1200 bytes, the VM's NIC doesn't ask for udpReceiveCoalescing")
                .endsWith("delivered to port tenant-a/db-2 on host-a, the first of its 10 datagrams (cut on host-a)\n");
    }

    @Test
    void whereANodeOrAPortsLimitCutsATsoFrameTheTraceSaysSoAndFollowsTheFirstSegment() throws Exception {
        CliRun dns = trace("--from", "tenant-a/web-1", "--to", "10.1.1.1", "--proto", "tcp", "--dport", "53", "--tso", "3000");
        assertThat(dns.exitCode()).as(dns.err()).isZero();
        assertThat(dns.out()).contains("host-a dns-tcp cut: GSO frame into 3 segments of 1448 bytes (this node reads whole frames)")
                .endsWith("answered on host-a by dns-tcp, the first of its 3 segments (cut on host-a): the reply delivered to port tenant-a/web-1\n");

        repo.replace("tenants/tenant-a/nics.yaml", "  ipAddress: 10.1.1.5\n", "  ipAddress: 10.1.1.5\n  qosSettings: {inboundMaximumMbps: 100}\n")
                .commit("a limit on web-2");
        CliRun limited = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "tcp", "--dport", "80", "--tso", "10000",
                "--output", "json");
        assertThat(limited.exitCode()).as(limited.err()).isZero();
        assertThat(limited.out()).contains("\"decision\" : \"cut: GSO frame, 7 segments of 1460 bytes, the port has an inbound limit\"")
                .contains("\"segments\" : 7").contains("\"cutOn\" : \"host-b\"");
    }

    @Test
    void aTsoFrameForTheUplinkWithItsNextHopNotYetResolvedBecomesTheArpRequest() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "198.51.100.7", "--proto", "tcp", "--dport", "443", "--tso", "20000");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a uplink-output next hop 203.0.113.1 not resolved: a GSO frame can't wait for its answer; it became an ARP request for it on eth1")
                .doesNotContain(" send ").endsWith("sent on uplink eth1 of host-a\n");
    }

    @Test
    void aPacketForTheUplinkWithItsNextHopNotYetResolvedWaitsWhileItsSlotAsks() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "198.51.100.7", "--proto", "udp", "--dport", "53");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a uplink-output next hop 203.0.113.1 not resolved: the packet waits for its answer (1 waiting); "
                + "its slot became an ARP request for it on eth1");
    }

    @Test
    void toItsOwnPublicAddressAPacketLeavesTranslatedAndComesBackInOnTheSameHost() {
        CliRun run = trace("--from", "tenant-a/web-1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("host-a nat-out source 10.1.1.4:49152 → 203.0.113.10:49152")
                .contains("host-a uplink-output 203.0.113.10 is a public address of this host: back in from uplink eth1 (hairpin)")
                .contains("host-a nat-in 203.0.113.10:80 is the public address of port tenant-a/web-1: destination 10.1.1.4")
                .contains("host-a security inbound tenant-a/web-1: allowed by tenant-a/web-public/allow-http")
                .endsWith("delivered to port tenant-a/web-1 on host-a\n");
    }

    @Test
    void fromOutsideTheFleetThePacketComesInByTheUplinkOfTheHostThatOwnsTheAddress() {
        CliRun http = trace("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80");
        assertThat(http.exitCode()).as(http.err()).isZero();
        assertThat(http.out()).startsWith("trace 203.0.113.1 → 203.0.113.10 tcp 49152 → 80 at ")
                .contains("host-a uplink-input TCP 203.0.113.1:49152 → 203.0.113.10:80 from the uplink")
                .contains("host-a nat-in 203.0.113.10:80 is the public address of port tenant-a/web-1: destination 10.1.1.4")
                .contains("host-a security inbound tenant-a/web-1: allowed by tenant-a/web-public/allow-http")
                .endsWith("delivered to port tenant-a/web-1 on host-a\n");

        CliRun ssh = trace("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "22");
        assertThat(ssh.exitCode()).isEqualTo(2);
        assertThat(ssh.out()).contains("host-a security inbound tenant-a/web-1: denied by tenant-a/web-public/DenyAllInBound")
                .endsWith("dropped on host-a by security: SECURITY_DENIED\n");

        // the NAT gateway's address, on its Gateway host: nothing comes in that doesn't answer a connection from inside
        CliRun unsolicited = trace("--from", "203.0.113.1", "--to", "203.0.113.20", "--proto", "udp", "--dport", "53", "--output", "json");
        assertThat(unsolicited.exitCode()).isEqualTo(2);
        assertThat(unsolicited.out()).contains("\"from\" : \"203.0.113.1\"")
                .contains("203.0.113.20:53 is NAT gateway tenant-a/egress's address, and no connection it translated is with 203.0.113.1:49152 on that port")
                .contains("\"dropNode\" : \"nat-in\"").contains("\"dropReason\" : \"NAT_NO_SESSION\"");

        // hostile: from outside, "from" the public address itself, which only its host may send from
        CliRun spoofed = trace("--from", "203.0.113.10", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80");
        assertThat(spoofed.exitCode()).isEqualTo(2);
        assertThat(spoofed.out()).endsWith("dropped on host-a by uplink-input: SPOOFED_SOURCE\n");

        CliRun nobodys = trace("--from", "203.0.113.1", "--to", "203.0.113.11", "--proto", "tcp", "--dport", "80");
        assertThat(nobodys.exitCode()).isEqualTo(1);
        assertThat(nobodys.err()).contains("no host owns 203.0.113.11 on its uplink at ")
                .contains("from outside, a packet reaches the fleet only at a public address");
        assertThat(trace("--from", "203.0.113.1", "--to", "10.1.1.4", "--proto", "tcp", "--dport", "80").err())
                .contains("no host owns 10.1.1.4 on its uplink");
        CliRun tso = trace("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80", "--tso", "3000");
        assertThat(tso.exitCode()).isEqualTo(1);
        assertThat(tso.err()).contains("from outside the fleet (--from 203.0.113.1) a packet is a plain one");
    }

    @Test
    void aPublicLoadBalancerFrontendIsReachedFromOutsideThroughItsMuxAndEncapsulatedToTheBackend() throws Exception {
        repo.append("tenants/tenant-a/public.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: PublicIPAddress
                metadata: {name: web-vip, namespace: tenant-a}
                spec: {logicalNetwork: internet, ipAddress: 203.0.113.30}
                ---
                apiVersion: weft.dev/v1alpha1
                kind: LoadBalancer
                metadata: {name: public-lb, namespace: tenant-a}
                spec:
                  frontendIPConfigurations:
                    - {name: fe, publicIPAddress: web-vip}
                  backendAddressPools:
                    - {name: pool, networkInterfaces: [web-1]}
                  loadBalancingRules:
                    - {name: http, frontendIPConfiguration: fe, backendAddressPool: pool, protocol: Tcp, frontendPort: 80, backendPort: 80}
                  inboundNatRules:
                    - {name: to-db-1, frontendIPConfiguration: fe, protocol: Tcp, frontendPort: 50001, backendNetworkInterface: db-1, backendPort: 22}
                """).commit("a public frontend");
        CliRun http = trace("--from", "203.0.113.1", "--to", "203.0.113.30", "--proto", "tcp", "--dport", "80");
        assertThat(http.exitCode()).as(http.err()).isZero();
        // the MUX is a Gateway host (host-b or host-c); web-1 is on host-a, whose group lets HTTP in
        assertThat(http.out()).containsPattern("host-[bc] nat-in 203.0.113.30:80 is load balancer rule tenant-a/public-lb/http's public frontend: backend 10.1.1.4:80")
                .contains("host-a vxlan-input VXLAN VNI 5001 from 198.18.")
                .contains("host-a security inbound tenant-a/web-1: allowed by tenant-a/web-public/allow-http")
                .endsWith("delivered to port tenant-a/web-1 on host-a\n");
        CliRun nat = trace("--from", "203.0.113.1", "--to", "203.0.113.30", "--proto", "tcp", "--dport", "50001");
        assertThat(nat.out()).endsWith("delivered to port tenant-a/db-1 on host-c\n");
    }

    @Test
    void badArgumentsAreErrors() {
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "icmp", "--tso", "3000").err())
                .contains("--tso takes 1-65445 bytes with --proto tcp (or udp)");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "udp", "--dport", "53", "--tso", "3000", "--mss", "10").err())
                .contains("--tso with --proto udp takes 1-65000 bytes in at most 128 datagrams");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "tcp", "--dport", "80", "--tso", "70000").exitCode())
                .isEqualTo(1);
        CliRun tooLarge = trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "tcp", "--dport", "80", "--tso", "3000", "--mss", "4000");
        assertThat(tooLarge.exitCode()).isEqualTo(1);
        assertThat(tooLarge.err()).contains("the host would drop this TSO frame as malformed");
        assertThat(trace("--from", "tenant-a/nope", "--to", "10.1.1.5").err()).contains("no NetworkInterface nope in namespace tenant-a");
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.500").exitCode()).isEqualTo(1);
        assertThat(trace("--from", "tenant-a/web-1", "--to", "10.1.1.5", "--proto", "tcp").err()).contains("--dport is required");
    }

    @Test
    void liveTracesThroughTheAgentsTables() throws Exception {
        try (Fleetlet fleet = new Fleetlet(dir.resolve("agents"))) {
            fleet.start("host-a", "host-b", "host-c");
            List<String> agents = new ArrayList<>();
            fleet.endpoints.forEach((host, uri) -> agents.addAll(List.of("--agent", host + "=" + uri)));
            List<String> apply = new ArrayList<>(List.of("apply", "--repo", repo.dir().toString(), "--auto-approve", "--state-dir",
                    dir.resolve("state").toString(), "--server", "http://127.0.0.1:9"));
            apply.addAll(agents);
            assertThat(CliRun.of(apply.toArray(String[]::new)).exitCode()).isZero();

            List<String> live = new ArrayList<>(List.of("--from", "tenant-a/web-1", "--to", "10.1.2.4", "--live"));
            live.addAll(agents);
            CliRun run = trace(live.toArray(String[]::new));
            assertThat(run.exitCode()).as(run.err()).isZero();
            // the same path as through the revision's tables; only the agents' table generation differs
            assertThat(run.out().replaceAll("generation \\d+", "generation N"))
                    .isEqualTo(trace("--from", "tenant-a/web-1", "--to", "10.1.2.4").out().replaceAll("generation \\d+", "generation N"));

            // north–south, live as in the revision: out through the NAT gateway's host, and in from outside (allowed, and
            // refused at the NAT gateway's address, which its Gateway host knows it serves)
            for (List<String> args : List.of(List.of("--from", "tenant-a/db-2", "--to", "198.51.100.7", "--proto", "udp", "--dport", "123"),
                    List.of("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", "80"),
                    List.of("--from", "203.0.113.1", "--to", "203.0.113.20", "--proto", "udp", "--dport", "53"))) {
                List<String> liveArgs = new ArrayList<>(args);
                liveArgs.add("--live");
                liveArgs.addAll(agents);
                CliRun northSouth = trace(liveArgs.toArray(String[]::new));
                assertThat(northSouth.out().replaceAll("generation \\d+", "generation N")).as(northSouth.err())
                        .isEqualTo(trace(args.toArray(String[]::new)).out().replaceAll("generation \\d+", "generation N"));
            }

            // the agents' tables, not the revision's: remove db-1's port on host-c by hand, and the live trace drops
            fleet.removePort("host-c", "tenant-a/db-1");
            CliRun drifted = trace(live.toArray(String[]::new));
            assertThat(drifted.exitCode()).isEqualTo(2);
            assertThat(drifted.out()).endsWith("dropped on host-c by ip4-lookup: NOT_A_LOCAL_PORT\n");
        }
    }
}

package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.fastpath.packet.DropReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Route tables with real packets, on manifests-example: subnet db's table sends traffic for subnet web through appliance
 * fw-1 (host-b, IP forwarding on, its namespace's kernel forwarding); the appliance sees every packet and they still
 * arrive. With the route's next hop None they are dropped and counted. Needs root; in CI it must run.
 */
class NetnsRoutingTest extends NetnsLabTest {

    static final String APPLIANCE_ROUTE = "nextHopType: VirtualAppliance\n      nextHopIpAddress: 10.1.3.4";

    /** Packets the appliance's kernel has forwarded (its namespace's {@code Ip: ForwDatagrams}). */
    static long forwarded() throws Exception {
        return NetnsLab.snmp("tenant-a.fw-1", "Ip:", "ForwDatagrams");
    }

    static boolean connects(String vm, String target, int port) {
        return Topology.quietly("ip", "netns", "exec", vm, "python3", "-c",
                "import socket\ns=socket.create_connection(('" + target + "', " + port + "), timeout=3)\ns.sendall(b'hi\\n')\nassert s.recv(10) == b'hi\\n'");
    }

    @Test
    void subnetDbReachesSubnetWebThroughTheApplianceAndANoneRouteDrops() throws Exception {
        reconciler = lab.start("tenant-a.db-1", "10.1.1.4").reconciler; // db-1 on host-c, web-1 on host-a, fw-1 on host-b
        long before = forwarded();
        assertThat(NetnsLab.pings("tenant-a.db-1", "10.1.1.4")).isTrue();
        assertThat(NetnsLab.pings("tenant-a.db-2", "10.1.1.5")).as("db-2 on host-a to web-2 on host-b").isTrue();
        assertThat(forwarded() - before).as("both pings' requests went through the appliance").isGreaterThanOrEqualTo(4);

        Process echo = NetnsLab.echoServer("tenant-a.web-2", 7000);
        try {
            before = forwarded();
            await().atMost(Duration.ofSeconds(10)).until(() -> connects("tenant-a.db-1", "10.1.1.5", 7000));
            assertThat(forwarded() - before).as("the TCP connection's packets from db-1 pass the appliance").isGreaterThanOrEqualTo(3);
        } finally {
            echo.destroyForcibly();
        }
        before = forwarded();
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.1.2.4")).as("web's subnet has no table: straight to db-1, replies through fw-1").isTrue();
        String trace = Topology.run("ip", "netns", "exec", "tenant-a.db-1", "busybox", "traceroute", "-n", "-q", "1", "-w", "2", "-m", "6", "10.1.1.4");
        assertThat(trace.lines().filter(l -> l.matches("^\\s*\\d+\\s.*")).map(l -> l.trim().split("\\s+")[1]).toList()).as(trace)
                .as("db's router, the appliance, the router again (its time exceeded back through the appliance), web-1")
                .containsExactly("10.1.2.1", "10.1.3.4", "10.1.3.1", "10.1.1.4");

        String none = repo.replace("tenants/tenant-a/routing.yaml", APPLIANCE_ROUTE, "nextHopType: None").commit("drop db → web").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(none) && reconciler.status().allSynced());
        assertThat(NetnsLab.pings("tenant-a.db-1", "10.1.1.4")).as("the None route drops").isFalse();
        assertThat(agents.get("host-c").dataplane().packets().nodeDrops("ip4-lookup", DropReason.ROUTE_NONE)).isPositive();
        assertThat(NetnsLab.pings("tenant-a.db-1", "10.1.2.5")).as("the rest of the network is untouched").isTrue();
    }

    @Test
    void theRouterAnswersPingAndTraceroute() throws Exception {
        reconciler = lab.start("tenant-a.web-1", "10.1.2.5").reconciler; // web-1 and db-2 on host-a, db-1 on host-c
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.1.1.1")).as("its own gateway").isTrue();
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.1.2.1")).as("another subnet's gateway").isTrue();
        assertThat(agents.get("host-a").dataplane().packets().nodePackets("icmp-echo")).isGreaterThanOrEqualTo(4);
        String ping = Topology.run("ip", "netns", "exec", "tenant-a.web-1", "sh", "-c", "ping -c 1 -t 1 -W 2 10.1.2.4; true");
        assertThat(ping).as("the router answers a packet whose TTL runs out").contains("From 10.1.1.1").contains("Time to live exceeded");

        String trace = Topology.run("ip", "netns", "exec", "tenant-a.web-1", "busybox", "traceroute", "-n", "-q", "1", "-w", "2", "-m", "4", "10.1.2.4");
        List<String> hops = trace.lines().filter(l -> l.matches("^\\s*\\d+\\s.*")).toList();
        assertThat(hops).as(trace).hasSize(2);
        assertThat(hops.get(0)).as("hop 1: the distributed router, from web's gateway").contains("10.1.1.1");
        assertThat(hops.get(1)).as("hop 2: db-1 on host-c, which answers traceroute's UDP probe").contains("10.1.2.4");
        assertThat(agents.get("host-a").dataplane().packets().nodePackets("icmp-time-exceeded")).isPositive();
        assertThat(agents.get("host-a").dataplane().packets().nodeDrops("icmp-time-exceeded", DropReason.TTL_EXPIRED)).isZero();
        dev.weft.cli.CliRun live = traceLive("--from", "tenant-a/web-1", "--to", "10.1.2.4", "--proto", "udp", "--dport", "33434", "--ttl", "1");
        assertThat(live.exitCode()).as(live.err()).isZero();
        assertThat(live.out()).contains("host-a icmp-time-exceeded time exceeded: ICMP type 11 from the router's 10.1.1.1 back to 10.1.1.4")
                .endsWith("answered on host-a by icmp-time-exceeded: the reply delivered to port tenant-a/web-1\n");

        // the same two questions asked on an 802.1Q VLAN (raw frames: this kernel can't make a VLAN interface) are answered on it
        String script = java.nio.file.Path.of(getClass().getResource("/vlan-probe.py").toURI()).toString();
        String onVlan = Topology.run("ip", "netns", "exec", "tenant-a.web-1", "python3", script, "10.1.1.1", "10.1.2.4",
                String.format("%012x", dev.weft.fastpath.table.ForwardingTables.ROUTER_MAC), "10.1.1.4");
        assertThat(onVlan).as("echo reply and time exceeded, both tagged with VLAN 100").contains("type=0 vlan=100").contains("type=11 vlan=100");
    }

    @Test
    void aPeerTakesWhatTheApplianceForwardsFromElsewhereOnlyWithAllowForwardedTraffic() throws Exception {
        reconciler = lab.start("tenant-a.jump-1", "10.1.3.4").reconciler; // mgmt (jump-1, host-c) is peered with blue (fw-1, host-b)
        Topology.run("ip", "netns", "exec", "tenant-a.fw-1", "ip", "addr", "add", "10.8.0.1/32", "dev", "lo"); // e.g. a VPN client's address
        long before = NetnsLab.snmp("tenant-a.jump-1", "Icmp:", "InEchos");
        Topology.quietly("ip", "netns", "exec", "tenant-a.fw-1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", "10.8.0.1", "10.9.1.4");
        assertThat(NetnsLab.snmp("tenant-a.jump-1", "Icmp:", "InEchos") - before).as("mgmt's half doesn't allow forwarded traffic").isZero();
        assertThat(agents.get("host-b").dataplane().packets().nodeDrops("ip4-lookup", DropReason.FORWARDED_NOT_ALLOWED)).isPositive();

        String allowed = repo.replace("tenants/tenant-a/routing.yaml", "spec: {virtualNetwork: mgmt, remoteVirtualNetwork: {namespace: tenant-a, name: blue}}",
                "spec: {virtualNetwork: mgmt, remoteVirtualNetwork: {namespace: tenant-a, name: blue}, allowForwardedTraffic: true}").commit("mgmt takes forwarded traffic").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(allowed) && reconciler.status().allSynced());
        before = NetnsLab.snmp("tenant-a.jump-1", "Icmp:", "InEchos");
        Topology.quietly("ip", "netns", "exec", "tenant-a.fw-1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", "10.8.0.1", "10.9.1.4");
        assertThat(NetnsLab.snmp("tenant-a.jump-1", "Icmp:", "InEchos") - before).as("now the forwarded requests arrive").isEqualTo(3);
    }
}

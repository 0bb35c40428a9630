package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.fastpath.packet.DropReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * North–south with real packets, on manifests-example: the {@code internet} namespace holds 203.0.113.1 on the
 * lab's bridge, each host's eth1 is its uplink. web-1 (host-a) has public address 203.0.113.10 and a security
 * group that lets TCP 80 in; subnet db leaves through NAT gateway egress (203.0.113.20) on Gateway host
 * host-b or host-c. Needs root, python3 and tshark; in CI it must run.
 */
class NetnsNorthSouthTest extends NetnsLabTest {

    /** Answers every connection with the address and port it came from, then closes it. */
    private static final String PEER_SERVER = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(64)
            while True:
                c, a = s.accept(); c.sendall(('peer %s %d\\n' % a).encode()); c.close()
            """;
    private static final String CLIENT = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
            print(s.recv(100).decode().strip())
            """;

    /** One UDP datagram to a port: "refused" when an ICMP port unreachable comes back for it, "answered" or "timeout" else. */
    static final String UDP_PROBE = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
            s.connect((sys.argv[1], int(sys.argv[2])))
            try:
                s.send(b'x'); s.recv(100); print('answered')
            except ConnectionRefusedError:
                print('refused')
            except socket.timeout:
                print('timeout')
            """;
    /**
     * A forged ICMP port unreachable to argv[1] about a UDP packet from argv[1]:argv[2] to argv[3]:9, which nobody sent
     * (61000 is above Linux's ephemeral ports and the ports a NAT gateway hands out first).
     */
    private static final String FORGED_ERROR = """
            import socket, struct, sys
            def csum(b):
                b += b'\\0' * (len(b) % 2); s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
                while s >> 16: s = (s & 0xffff) + (s >> 16)
                return ~s & 0xffff
            src, dst = socket.inet_aton(sys.argv[1]), socket.inet_aton(sys.argv[3])
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 1, 0, 64, 17, 0, src, dst)
            ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
            carried = ip + struct.pack('!HHHH', int(sys.argv[2]), 9, 8, 0)
            icmp = struct.pack('!BBHI', 3, 3, 0, 0) + carried
            icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
            r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            for _ in range(3): r.sendto(icmp, (sys.argv[1], 0))
            """;

    /** Answers the first datagram late, after its sender closed its socket: "refused" when the ICMP port unreachable comes back. */
    private static final String LATE_REPLIER = """
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('203.0.113.1', 5000))
            print('bound', flush=True)
            data, peer = s.recvfrom(100)
            time.sleep(0.5)
            s.connect(peer); s.settimeout(2); s.send(b'late')
            try:
                s.recv(100); print('answered', flush=True)
            except ConnectionRefusedError:
                print('refused', flush=True)
            except socket.timeout:
                print('timeout', flush=True)
            """;

    /** Ten UDP_SEGMENT sends of 20 numbered datagrams of 1,000 bytes (the last of each 600) to argv[1]:4433. */
    private static final String USO_SENDER = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(17, 103, 1000)  # UDP_SEGMENT
            for send in range(10):
                s.sendto(b"".join(((send * 20 + k).to_bytes(4, "big") + bytes((send * 20 + k + j) & 0xff for j in range(996)))[: 600 if k == 19 else 1000]
                                  for k in range(20)), (sys.argv[1], 4433))
                time.sleep(0.05)
            """;

    /** Counts USO_SENDER's datagrams on 203.0.113.1:4433 until a second passes without one: how many, how many not as sent, and their source. */
    private static final String USO_RECEIVER = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('203.0.113.1', 4433)); s.settimeout(5)
            seen, wrong, peers = set(), 0, set()
            try:
                while True:
                    d, peer = s.recvfrom(65536)
                    s.settimeout(1)
                    n = int.from_bytes(d[:4], "big")
                    wrong += d != (n.to_bytes(4, "big") + bytes((n + j) & 0xff for j in range(996)))[: 600 if n % 20 == 19 else 1000]
                    seen.add(n)
                    peers.add(peer[0])
            except socket.timeout:
                pass
            print(len(seen), wrong, " ".join(sorted(peers)), flush=True)
            """;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(Process::destroyForcibly);
    }

    private void server(String namespace, int port) throws Exception {
        servers.add(new ProcessBuilder("ip", "netns", "exec", namespace, "python3", "-c", PEER_SERVER, Integer.toString(port))
                .redirectErrorStream(true).start());
    }

    /** What the server at {@code address}:{@code port} saw the connection from {@code namespace} come from ("peer ADDRESS PORT"), or "" when it failed. */
    private static String connect(String namespace, String address, int port) {
        try {
            return Topology.run("ip", "netns", "exec", namespace, "python3", "-c", CLIENT, address, Integer.toString(port)).trim();
        } catch (Exception e) {
            return "";
        }
    }

    /** Retries while the lab comes up (the internet's server listening, the path programmed). */
    private static String connectSoon(String namespace, String address, int port) {
        String[] seen = {""};
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            seen[0] = connect(namespace, address, port);
            return seen[0].startsWith("peer ");
        });
        return seen[0];
    }

    @Test
    void aPublicAddressIsReachedFromTheInternetAndIsTheSourceOfItsVmsConnections() throws Exception {
        NetnsLab.requireTool("tshark", "tshark");
        reconciler = lab.start().reconciler;
        java.nio.file.Path captured = dir.resolve("uplink.tsv");
        Process capture = NetnsLab.tshark(Topology.UNDERLAY, captured, "-l", "-n", "-i", "br0",
                "-f", "not udp port 4789 and not ip proto 47", "-T", "fields", "-e", "eth.src", "-e", "arp.opcode", "-e", "arp.src.proto_ipv4",
                "-e", "arp.dst.proto_ipv4", "-e", "ip.src", "-e", "ip.dst");
        try {
            server("tenant-a.web-1", 80);
            server(Topology.INTERNET, 8080);
            assertThat(connectSoon(Topology.INTERNET, "203.0.113.10", 80)).as("the internet reaches web-1 and web-1 sees the client's real address")
                    .startsWith("peer 203.0.113.1 ");
            assertThat(connectSoon("tenant-a.web-1", "203.0.113.1", 8080)).as("web-1's connection leaves as its public address")
                    .startsWith("peer 203.0.113.10 ");
            long denied = agents.get("host-a").dataplane().packets().nodeDrops("security", DropReason.SECURITY_DENIED);
            assertThat(connect(Topology.INTERNET, "203.0.113.10", 22)).as("no rule allows port 22 in").isEmpty();
            assertThat(agents.get("host-a").dataplane().packets().nodeDrops("security", DropReason.SECURITY_DENIED)).isGreaterThan(denied);
            // weft trace --live from the internet: the same two packets through host-a's live tables and its uplink's MAC
            for (String port : List.of("80", "22")) {
                dev.weft.cli.CliRun trace = traceLive("--from", "203.0.113.1", "--to", "203.0.113.10", "--proto", "tcp", "--dport", port);
                assertThat(trace.out()).as(trace.err())
                        .contains("host-a uplink-input TCP 203.0.113.1:49152 → 203.0.113.10:" + port + " from the uplink")
                        .endsWith(port.equals("80") ? "delivered to port tenant-a/web-1 on host-a\n" : "dropped on host-a by security: SECURITY_DENIED\n");
            }
            assertThat(connect(Topology.INTERNET, "203.0.113.11", 80)).as("an address nobody owns").isEmpty();
            assertThat(connect("tenant-b.app-1", "203.0.113.1", 8080)).as("tenant-b has neither a public address nor a NAT gateway").isEmpty();
            assertThat(agents.get("host-a").dataplane().packets().nodeDrops("ip4-lookup", DropReason.NO_EGRESS)).isPositive();
            Thread.sleep(1000); // tshark writes what it has seen
        } finally {
            capture.destroy();
            capture.waitFor();
        }
        String frames = java.nio.file.Files.readString(captured);
        String hostAMac = Topology.run("ip", "-n", "host.host-a", "-br", "link", "show", "eth1").trim().split("\\s+")[2];
        Set<String> answeredFor10 = new HashSet<>();
        int ipv4 = 0;
        for (String line : frames.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length < 6) {
                continue;
            }
            assertThat(f[4] + " " + f[5]).as("no tenant address on the uplink: " + line).doesNotContain("10.1.").doesNotContain("10.2.");
            if (!f[4].isEmpty()) {
                ipv4++;
            }
            if (!f[1].isEmpty() && "203.0.113.10".equals(f[2])) { // an ARP request (a gratuitous one too) or reply from the address
                answeredFor10.add(f[0]);
            }
            assertThat("2".equals(f[1]) && "203.0.113.11".equals(f[2])).as("nobody answers for an address nobody owns: " + line).isFalse();
        }
        assertThat(ipv4).as("the capture saw the uplink's traffic").isPositive();
        assertThat(answeredFor10).as("only host-a speaks ARP for web-1's public address").allMatch(hostAMac::equals);
        assertThat(internetKnows("203.0.113.10")).as("and the internet knows it at host-a's MAC").isEqualTo(hostAMac);
    }

    /** The MAC of {@code host}'s uplink device, eth1. */
    private static String uplinkMac(String host) throws Exception {
        return Topology.run("ip", "-n", Topology.hostNamespace(host), "-br", "link", "show", "eth1").trim().split("\\s+")[2];
    }

    /** The MAC the internet namespace's neighbour table holds for {@code address}, or "". */
    private static String internetKnows(String address) throws Exception {
        String[] f = Topology.run("ip", "-n", Topology.INTERNET, "neigh", "show", address).trim().split("\\s+");
        for (int k = 0; k + 1 < f.length; k++) {
            if (f[k].equals("lladdr")) {
                return f[k + 1];
            }
        }
        return "";
    }

    @Test
    void aPublicAddressThatMovesWithItsNicIsAnnouncedSoTheInternetReachesItAtOnce() throws Exception {
        reconciler = lab.start().reconciler;
        // before any packet goes out, each host has asked for its uplink's gateway: the first packet out isn't an ARP request
        for (String host : List.of("host-a", "host-b", "host-c")) {
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> agents.get(host).dataplane().packets().neighbors().mac(dev.weft.net.Ipv4.parse("203.0.113.1").value()) != 0);
        }
        server(Topology.INTERNET, 8080);
        server("tenant-a.web-1", 80);
        Thread.sleep(500); // the servers listen
        assertThat(connect("tenant-a.web-1", "203.0.113.1", 8080)).startsWith("peer 203.0.113.10 ");
        assertThat(connect(Topology.INTERNET, "203.0.113.10", 80)).startsWith("peer 203.0.113.1 ");
        assertThat(internetKnows("203.0.113.10")).isEqualTo(uplinkMac("host-a"));
        assertThat(connect("tenant-a.web-1", "203.0.113.10", 80)).as("web-1 reaches its own public address: host-a turns it back in")
                .startsWith("peer 203.0.113.10 ");
        assertThat(agents.get("host-a").dataplane().packets().stats().getJsonObject("uplink").getLong("hairpinned")).isPositive();

        String moved = repo.replace("tenants/tenant-a/nics.yaml", "  host: host-a\n  macAddress: \"02:00:0a:01:01:04\"",
                "  host: host-c\n  macAddress: \"02:00:0a:01:01:04\"").commit("move web-1 to host-c").name();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                reconciler.status().revision().equals(moved) && reconciler.status().allSynced());
        // host-c announces the address it now owns: the internet's neighbour entry (host-a's MAC, still fresh) follows at once
        String hostC = uplinkMac("host-c");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> internetKnows("203.0.113.10").equals(hostC));
        assertThat(agents.get("host-c").dataplane().packets().stats().getJsonObject("uplink").getLong("announcements")).isPositive();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> !connect(Topology.INTERNET, "203.0.113.10", 80).isEmpty());
    }

    /** Probes until the answer is {@code wanted} (while the lab comes up); the last answer. */
    private static String udpProbe(String namespace, String address, int port, String wanted) {
        String[] seen = {""};
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            seen[0] = Topology.run("ip", "netns", "exec", namespace, "python3", "-c", UDP_PROBE, address, Integer.toString(port)).trim();
            return seen[0].equals(wanted);
        });
        return seen[0];
    }

    @Test
    void theFirstPacketToANeighbourNotYetResolvedWaitsForItsAnswerAndGoes() throws Exception {
        reconciler = lab.start().reconciler;
        // a second machine on the logical network's subnet, not the gateway: nobody has asked for it yet
        Topology.run("ip", "-n", Topology.INTERNET, "addr", "add", "203.0.113.2/24", "dev", "eth0");
        int neighbour = dev.weft.net.Ipv4.parse("203.0.113.2").value();
        assertThat(agents.get("host-a").dataplane().packets().neighbors().mac(neighbour)).isZero();
        String answer = Topology.run("ip", "netns", "exec", "tenant-a.web-1", "python3", "-c", UDP_PROBE, "203.0.113.2", "9").trim();
        assertThat(answer).as("one datagram, no retry: it waited on host-a while the ARP request went, then left; the port unreachable came back")
                .isEqualTo("refused");
        io.vertx.core.json.JsonObject uplink = agents.get("host-a").dataplane().packets().stats().getJsonObject("uplink");
        assertThat(uplink.getLong("held")).isEqualTo(1);
        assertThat(uplink.getLong("heldSent")).isEqualTo(1);
        assertThat(uplink.getLong("heldExpired")).isZero();
    }

    @Test
    void icmpErrorsCrossNatBothWaysAboutTheirFlowsAndForgedOnesDont() throws Exception {
        reconciler = lab.start().reconciler;
        server(Topology.INTERNET, 8080);
        String serving = reconciler.status().natGateways().get("tenant-a/egress");
        assertThat(udpProbe("tenant-a.db-2", "203.0.113.1", 9, "refused"))
                .as("the internet's port unreachable comes back through NAT gateway egress to db-2's socket").isEqualTo("refused");
        assertThat(udpProbe("tenant-a.web-1", "203.0.113.1", 9, "refused"))
                .as("and through web-1's public address, though web-1's security group lets no ICMP in: the error is about its own flow")
                .isEqualTo("refused");

        String[] late = {""};
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Process replier = new ProcessBuilder("ip", "netns", "exec", Topology.INTERNET, "python3", "-c", LATE_REPLIER).start();
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(replier.getInputStream()))) {
                assertThat(out.readLine()).isEqualTo("bound");
                Topology.run("ip", "netns", "exec", "tenant-a.db-2", "python3", "-c",
                        "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('203.0.113.1', 5000)); s.close()");
                if (!replier.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    replier.destroyForcibly();
                    return false;
                }
                late[0] = String.valueOf(out.readLine());
            }
            return late[0].equals("refused");
        });
        assertThat(late[0]).as("db-2's port unreachable for a reply that came too late goes out through the NAT gateway, about the translated flow")
                .isEqualTo("refused");

        long noSession = agents.get(serving).dataplane().packets().nodeDrops("nat-in", DropReason.NAT_NO_SESSION);
        long denied = agents.get("host-a").dataplane().packets().nodeDrops("security", DropReason.SECURITY_DENIED);
        Topology.run("ip", "netns", "exec", Topology.INTERNET, "python3", "-c", FORGED_ERROR, "203.0.113.20", "61000", "203.0.113.1");
        Topology.run("ip", "netns", "exec", Topology.INTERNET, "python3", "-c", FORGED_ERROR, "203.0.113.10", "61000", "203.0.113.1");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(agents.get(serving).dataplane().packets().nodeDrops("nat-in", DropReason.NAT_NO_SESSION))
                    .as("a forged error about a translation the NAT gateway doesn't hold is dropped").isGreaterThanOrEqualTo(noSession + 3);
            assertThat(agents.get("host-a").dataplane().packets().nodeDrops("security", DropReason.SECURITY_DENIED))
                    .as("one to web-1's public address about a flow web-1 never had: its security group denies it").isGreaterThanOrEqualTo(denied + 3);
        });
    }

    @Test
    void aNatGatewayTranslatesTheSubnetsConnectionsAndMovesWhenItsGatewayHostFails() throws Exception {
        reconciler = lab.start().reconciler;
        server(Topology.INTERNET, 8080);
        String serving = reconciler.status().natGateways().get("tenant-a/egress");
        assertThat(serving).as("a Gateway host serves the NAT gateway").isIn("host-b", "host-c");

        String first = connectSoon("tenant-a.db-2", "203.0.113.1", 8080); // db-2 on host-a, which is no Gateway host
        String second = connectSoon("tenant-a.db-2", "203.0.113.1", 8080);
        String other = connectSoon("tenant-a.db-1", "203.0.113.1", 8080);
        for (String seen : List.of(first, second, other)) {
            assertThat(seen).as("the internet sees the NAT gateway's address").startsWith("peer 203.0.113.20 ");
        }
        assertThat(Set.of(first, second, other)).as("each connection its own port").hasSize(3);
        int port = Integer.parseInt(first.split(" ")[2]);
        assertThat(connect(Topology.INTERNET, "203.0.113.20", port)).as("no unsolicited connection in through the NAT gateway").isEmpty();
        assertThat(agents.get(serving).dataplane().packets().nodeDrops("nat-in", DropReason.NAT_NO_SESSION)).isPositive();
        String metrics = metrics(serving);
        assertThat(metrics).as("the serving host's translations and port exhaustion are in its metrics")
                .contains("weft_nat_port_exhausted_total 0.0").containsPattern("weft_nat_sessions [1-9]");

        // a VM's UDP_SEGMENT sends (as a QUIC server's) cross to the gateway host whole and leave its uplink whole, translated
        long wholeBefore = agents.get("host-a").dataplane().packets().tunnelSent();
        Process receiver = new ProcessBuilder("ip", "netns", "exec", Topology.INTERNET, "python3", "-c", USO_RECEIVER).redirectErrorStream(true).start();
        servers.add(receiver);
        Thread.sleep(300);
        Topology.run("ip", "netns", "exec", "tenant-a.db-2", "python3", "-c", USO_SENDER, "203.0.113.1");
        assertThat(receiver.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(new String(receiver.getInputStream().readAllBytes()).trim())
                .as("datagrams that arrived, those not as sent, and from where").isEqualTo("200 0 203.0.113.20");
        assertThat(agents.get("host-a").dataplane().packets().tunnelSent() - wholeBefore).as("each send left host-a as one VXLAN datagram")
                .isEqualTo(10);

        agents.get(serving).close(); // the Gateway host's agent dies
        String standby = serving.equals("host-b") ? "host-c" : "host-b";
        await().atMost(Duration.ofSeconds(20)).until(() -> standby.equals(reconciler.status().natGateways().get("tenant-a/egress")));
        assertThat(connectSoon("tenant-a.db-2", "203.0.113.1", 8080)).as("new connections work through the standby")
                .startsWith("peer 203.0.113.20 ");
        // weft trace --live from the internet to the NAT gateway's address comes in where the agents serve it now, the
        // standby (the dead agent is not asked)
        dev.weft.cli.CliRun trace = traceLive("--from", "203.0.113.1", "--to", "203.0.113.20", "--proto", "udp", "--dport", "53", "--agent-timeout", "1s");
        assertThat(trace.out()).as(trace.err())
                .contains(standby + " nat-in 203.0.113.20:53 is NAT gateway tenant-a/egress's address")
                .endsWith("dropped on " + standby + " by nat-in: NAT_NO_SESSION\n");
    }
}

package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Port mirroring with real packets: a tap copies what web-1 (host-a) and web-2 (host-b) send and receive to collector db-1
 * (host-c); tshark in db-1 decodes the copies' VXLAN and finds the ICMP and TCP between the two with each copy where the
 * tap's direction says, and nothing of tenant-b's VMs, which use the very same addresses. Needs root and tshark; in CI it must run.
 */
public class NetnsMirrorTest extends NetnsLabTest {

    public static final String TAP = """
            ---
            apiVersion: weft.dev/v1alpha1
            kind: VirtualNetworkTap
            metadata: {name: capture-web, namespace: tenant-a}
            spec:
              sources: [web-1, web-2]
              direction: Both
              destination: {networkInterface: db-1, port: 4789}
            """;

    /** One decoded copy: the tap's VNI, the inner frame's source MAC, source and destination address, ICMP type, TCP destination port. */
    record Copy(String vni, String innerMac, String src, String dst, String icmpType, String tcpPort) {
    }

    /** Captures on db-1's eth0 while {@code traffic} runs; the VXLAN copies tshark decoded. */
    List<Copy> capture(String name, ThrowingRunnable traffic) throws Exception {
        Path out = dir.resolve(name + ".tsv");
        Process tshark = NetnsLab.tshark("tenant-a.db-1", out, "-l", "-n", "-i", "eth0", "-d", "udp.port==4789,vxlan",
                "-Y", "vxlan", "-T", "fields", "-E", "separator=|", "-e", "vxlan.vni", "-e", "eth.src", "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type",
                "-e", "tcp.dstport");
        try {
            traffic.run();
            Thread.sleep(1500); // the last copies arrive and tshark writes them
        } finally {
            tshark.destroy();
            tshark.waitFor();
        }
        List<Copy> copies = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            String[] f = line.split("\\|", -1);
            copies.add(new Copy(f[0], last(f[1]), last(f[2]), last(f[3]), f[4], f[5]));
        }
        return copies;
    }

    /** The inner of a field tshark lists for the outer and the inner header. */
    static String last(String field) {
        String[] values = field.split(",");
        return values[values.length - 1];
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static long count(List<Copy> copies, String src, String dst, String icmpType) {
        return copies.stream().filter(c -> c.src().equals(src) && c.dst().equals(dst) && c.icmpType().equals(icmpType)).count();
    }

    @Test
    void theCollectorDecodesTheSourcesTrafficInTheTapsDirectionAndNothingOfAnotherTenant() throws Exception {
        NetnsLab.requireTool("tshark", "tshark");
        reconciler = lab.start().reconciler;
        String tapped = repo.append("tenants/tenant-a/routing.yaml", TAP).commit("mirror web-1 and web-2 to db-1").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(tapped) && reconciler.status().allSynced());
        Process server = NetnsLab.echoServer("tenant-a.web-2", 7000);
        try {
            List<Copy> both = capture("both", () -> {
                assertThat(Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.1.1.5")).isTrue();
                assertThat(NetnsRoutingTest.connects("tenant-a.web-1", "10.1.1.5", 7000)).as("TCP through, mirrored").isTrue();
                assertThat(Topology.quietly("ip", "netns", "exec", "tenant-b.app-1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.1.1.5")).isTrue();
            });
            assertThat(both).isNotEmpty().allSatisfy(c -> assertThat(c.vni()).isNotEmpty());
            assertThat(count(both, "10.1.1.4", "10.1.1.5", "8")).as("each request: as web-1 sent it and as web-2 received it").isEqualTo(6);
            assertThat(count(both, "10.1.1.5", "10.1.1.4", "0")).as("each reply: as web-2 sent it and as web-1 received it").isEqualTo(6);
            assertThat(both.stream().filter(c -> c.tcpPort().equals("7000")).count()).as("the TCP connection's packets to port 7000").isGreaterThanOrEqualTo(6);
            assertThat(both).as("nothing of tenant-b (MACs 02:01:…), though its addresses are the same").noneMatch(c -> c.innerMac().startsWith("02:01:"));
            assertThat(agents.get("host-a").dataplane().packets().mirrorsCopied()).isPositive();

            String outbound = repo.replace("tenants/tenant-a/routing.yaml", "direction: Both", "direction: Outbound").commit("outbound only").name();
            await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(outbound) && reconciler.status().allSynced());
            List<Copy> sent = capture("outbound", () ->
                    assertThat(Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.1.1.5")).isTrue());
            assertThat(count(sent, "10.1.1.4", "10.1.1.5", "8")).as("outbound: each request once, as web-1 sent it").isEqualTo(3);
            assertThat(count(sent, "10.1.1.5", "10.1.1.4", "0")).as("and each reply once, as web-2 sent it").isEqualTo(3);
            assertThat(Arrays.asList(sent.stream().map(Copy::innerMac).distinct().sorted().toArray())).containsExactly("02:00:0a:01:01:04", "02:00:0a:01:01:05");
        } finally {
            server.destroyForcibly();
        }
    }
}

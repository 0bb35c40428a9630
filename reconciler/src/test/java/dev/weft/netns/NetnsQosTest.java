package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Per-NIC rate limits with real TCP: iperf3 between web-1 (host-a) and web-2 (host-b) of manifests-example, before and
 * after web-2 gets qosSettings in Git, then after its limit changes. Needs root and iperf3; in CI it must run.
 */
class NetnsQosTest extends NetnsLabTest {

    static final String WEB2 = "  macAddress: \"02:00:0a:01:01:05\"\n  ipAddress: 10.1.1.5\n";

    /** Mbit/s of TCP from web-1 to web-2 ({@code reverse}: web-2 to web-1) over {@code seconds}, as iperf3's receiver counts it. */
    static double iperf(boolean reverse, int seconds) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ip", "netns", "exec", "tenant-a.web-1", "iperf3", "-c", "10.1.1.5",
                "-t", Integer.toString(seconds), "-J"));
        if (reverse) {
            command.add("-R");
        }
        String json = Topology.run(command.toArray(String[]::new));
        return tools.jackson.databind.json.JsonMapper.builder().build().readTree(json).at("/end/sum_received/bits_per_second").asDouble() / 1e6;
    }

    @Test
    void eachDirectionIsHeldToItsCapAndANewCapTakesOverWithinALoop() throws Exception {
        NetnsLab.requireTool("iperf3", "iperf3");
        reconciler = lab.start().reconciler;
        Process server = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-2", "iperf3", "-s").redirectErrorStream(true).start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "iperf3", "-c", "10.1.1.5", "-t", "1"));
            double unlimited = iperf(false, 3);
            assertThat(unlimited).as("without qosSettings web-2 is not limited").isGreaterThan(400);

            String capped = repo.replace("tenants/tenant-a/nics.yaml", WEB2, WEB2 + "  qosSettings: {outboundMaximumMbps: 200, inboundMaximumMbps: 100}\n")
                    .commit("cap web-2").name();
            await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(capped) && reconciler.status().allSynced());
            double inbound = iperf(false, 10);
            double outbound = iperf(true, 10);
            System.out.printf("qos: unlimited %.0f, inbound %.1f (cap 100), outbound %.1f (cap 200) Mbit/s%n", unlimited, inbound, outbound);
            assertThat(inbound).as("to web-2, capped at 100 Mbit/s").isBetween(90.0, 110.0);
            assertThat(outbound).as("from web-2, capped at 200 Mbit/s").isBetween(180.0, 220.0);
            assertThat(agents.get("host-b").dataplane().packets().meters().dropped().get("tenant-a/web-2")).isNotEmpty();

            String changed = repo.replace("tenants/tenant-a/nics.yaml", "outboundMaximumMbps: 200", "outboundMaximumMbps: 50").commit("tighter").name();
            await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(changed) && reconciler.status().allSynced());
            double tighter = iperf(true, 5);
            System.out.printf("qos: outbound after the change %.1f (cap 50) Mbit/s%n", tighter);
            assertThat(tighter).as("the new cap holds within one loop").isBetween(45.0, 55.0);
        } finally {
            server.destroyForcibly();
        }
    }
}

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
        return reverse ? iperf3("tenant-a.web-1", "10.1.1.5", seconds, "-R") : iperf3("tenant-a.web-1", "10.1.1.5", seconds);
    }

    /** Mbit/s of TCP from {@code vm} to {@code target} over {@code seconds} (with {@code more} iperf3 options), as iperf3's receiver counts it. */
    static double iperf3(String vm, String target, int seconds, String... more) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ip", "netns", "exec", vm, "iperf3", "-c", target,
                "-t", Integer.toString(seconds), "-J"));
        command.addAll(java.util.List.of(more));
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

    /**
     * Mbit/s of TCP from {@code vm} to {@code target}, each second of {@code seconds}, as the sender counts it, in the
     * background. Two clients started together may start a second or more apart on a loaded machine, so flows meant to
     * run at once are compared second by second in the middle of their runs, not by their averages.
     */
    static java.util.concurrent.CompletableFuture<double[]> iperfFrom(String vm, String target, int seconds) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                String json = Topology.run("ip", "netns", "exec", vm, "iperf3", "-c", target, "-t", Integer.toString(seconds), "-i", "1", "-J");
                var intervals = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json).at("/intervals");
                double[] rates = new double[intervals.size()];
                for (int i = 0; i < rates.length; i++) {
                    rates[i] = intervals.get(i).at("/sum/bits_per_second").asDouble() / 1e6;
                }
                return rates;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, RUNNERS);
    }

    /** The mean of {@code rates} from second {@code from} to before {@code to}. */
    static double mean(double[] rates, int from, int to) {
        return java.util.Arrays.stream(rates, from, to).average().orElseThrow();
    }

    /** iperf3 servers in web-2 and db-1 (the two host-a VMs' peers), once db-2 reaches db-1's. */
    private static java.util.List<Process> serversOnWeb2AndDb1() throws Exception {
        java.util.List<Process> servers = new java.util.ArrayList<>();
        for (String vm : java.util.List.of("tenant-a.web-2", "tenant-a.db-1")) {
            servers.add(new ProcessBuilder("ip", "netns", "exec", vm, "iperf3", "-s").redirectErrorStream(true).start());
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> Topology.quietly("ip", "netns", "exec", "tenant-a.db-2", "iperf3", "-c", "10.1.2.4", "-t", "1"));
        } catch (RuntimeException e) {
            servers.forEach(Process::destroyForcibly);
            throw e;
        }
        return servers;
    }

    /** A thread per iperf3 client, so clients run at once. */
    static final java.util.concurrent.Executor RUNNERS = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory());

    @Test
    void vmsWithoutReservationsShareTheHostsCapacityNoneStarved() throws Exception {
        NetnsLab.requireTool("iperf3", "iperf3");
        reconciler = lab.start().reconciler;
        String capped = repo.replace("hosts/rack-1.yaml", "  underlayAddress: 198.18.0.1\n", "  underlayAddress: 198.18.0.1\n  outboundCapacityMbps: 300\n")
                .commit("host-a carries 300 Mbit/s from its VMs, none reserved").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(capped) && reconciler.status().allSynced());
        java.util.List<Process> servers = serversOnWeb2AndDb1();
        try {
            var web1 = iperfFrom("tenant-a.web-1", "10.1.1.5", 14); // web-1 and db-2 (and idle app-1) on host-a: the two sending share
            var db2 = iperfFrom("tenant-a.db-2", "10.1.2.4", 14);
            double a = mean(web1.get(), 4, 10);
            double b = mean(db2.get(), 4, 10);
            System.out.printf("qos: host capacity 300, no reservations: web-1 %.1f, db-2 %.1f Mbit/s%n", a, b);
            // before: whichever VM the worker read first took the host's room, the other got 1 Mbit/s
            assertThat(Math.min(a, b)).as("each gets half of the host's 300: app-1 sends nothing, so two share it").isGreaterThanOrEqualTo(135.0);
            assertThat(a + b).as("together they get the host's 300").isBetween(270.0, 330.0);
        } finally {
            servers.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void aReservedShareHoldsWhenTheHostsVmsWantMoreThanItCarries() throws Exception {
        NetnsLab.requireTool("iperf3", "iperf3");
        reconciler = lab.start().reconciler;
        String reserved = repo.replace("hosts/rack-1.yaml", "  underlayAddress: 198.18.0.1\n", "  underlayAddress: 198.18.0.1\n  outboundCapacityMbps: 300\n")
                .replace("tenants/tenant-a/nics.yaml", "  ipAddress: 10.1.1.4\n", "  ipAddress: 10.1.1.4\n  qosSettings: {outboundReservedMbps: 200}\n")
                .commit("host-a carries 300 Mbit/s from its VMs, 200 of them reserved for web-1").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(reserved) && reconciler.status().allSynced());
        java.util.List<Process> servers = serversOnWeb2AndDb1();
        try {
            double alone = iperf3("tenant-a.db-2", "10.1.2.4", 3);
            var web1 = iperfFrom("tenant-a.web-1", "10.1.1.5", 14); // web-1 (reserved 200) and db-2 (none), both on host-a, at once
            var db2 = iperfFrom("tenant-a.db-2", "10.1.2.4", 14);
            double reservedRate = mean(web1.get(), 4, 10); // seconds 4 to 10: both run, whatever their start apart
            double bestEffort = mean(db2.get(), 4, 10);
            System.out.printf("qos: host capacity 300: db-2 alone %.1f; together web-1 (reserved 200) %.1f, db-2 %.1f Mbit/s%n", alone, reservedRate, bestEffort);
            assertThat(alone).as("alone, a VM without a reservation has the host's capacity").isBetween(270.0, 330.0);
            assertThat(reservedRate).as("web-1 keeps its reserved 200").isGreaterThanOrEqualTo(180.0);
            assertThat(reservedRate + bestEffort).as("together they get the host's 300").isBetween(270.0, 330.0);
        } finally {
            servers.forEach(Process::destroyForcibly);
        }
    }
}

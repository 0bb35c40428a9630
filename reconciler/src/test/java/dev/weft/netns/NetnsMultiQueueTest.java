package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.TapDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Agents with two packet workers: every VM's TAP device has a queue per worker (IFF_MULTI_QUEUE) and the kernel spreads
 * the VM's flows over them, so both workers carry web-1's TCP to web-2 across hosts. Needs root and iperf3; in CI it must run.
 */
class NetnsMultiQueueTest extends NetnsLabTest {

    @Test
    void aVmsFlowsAreSpreadOverAQueuePerWorker() throws Exception {
        NetnsLab.requireTool("iperf3", "iperf3");
        lab.workers = 2;
        reconciler = lab.start().reconciler;
        List<TapDevice> queues = agents.get("host-a").dataplane().packets().tap("tenant-a/web-1");
        assertThat(queues).as("a queue per worker").hasSize(2);
        Process server = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-2", "iperf3", "-s").redirectErrorStream(true).start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> Topology.quietly("ip", "netns", "exec", "tenant-a.web-1", "iperf3", "-c", "10.1.1.5", "-t", "1"));
            double mbits = NetnsQosTest.iperf3("tenant-a.web-1", "10.1.1.5", 3, "-P", "8");
            System.out.printf("multi-queue: 8 TCP flows web-1 -> web-2 %.0f Mbit/s; frames read per queue %d, %d%n", mbits,
                    queues.get(0).framesRead, queues.get(1).framesRead);
            assertThat(mbits).isGreaterThan(100);
            assertThat(queues).as("both workers read web-1's frames").allSatisfy(q -> assertThat(q.framesRead).isPositive());
        } finally {
            server.destroyForcibly();
        }
        assertThat(NetnsLab.pings("tenant-b.app-2", "10.1.2.5")).as("tenant-b is untouched").isTrue();
    }
}

package dev.weft.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import dev.weft.contract.Batch;
import dev.weft.contract.Op;
import dev.weft.contract.PortSpec;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With real packet I/O (in a namespace of its own): a packet worker that stops makes /healthz say so. Needs root; in CI it must run. */
class PacketIoHealthTest {

    static final String NS = "weft-health-test";

    @TempDir
    Path dir;

    Agent agent;

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": " + out);
        }
    }

    @BeforeEach
    void namespace() throws Exception {
        if (!"true".equals(System.getenv("CI"))) {
            Process id = new ProcessBuilder("id", "-u").start();
            Assumptions.assumeTrue("0".equals(new String(id.getInputStream().readAllBytes()).trim()), "needs root for network namespaces");
        }
        new ProcessBuilder("ip", "netns", "del", NS).start().waitFor();
        run("ip", "netns", "add", NS);
        run("ip", "-n", NS, "link", "set", "lo", "up");
        run("ip", "-n", NS, "addr", "add", "198.18.0.50/32", "dev", "lo");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (agent != null) {
            agent.close();
        }
        new ProcessBuilder("ip", "netns", "del", NS).start().waitFor();
    }

    private HttpResponse<String> health() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.url() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStoppedWorkerMakesTheAgentUnhealthy() throws Exception {
        agent = Agent.start(new AgentConfig("host-x", "127.0.0.1", 0, dir, false, Optional.empty(), Optional.empty(),
                Optional.of(new PacketConfig(Ipv4.parse("198.18.0.50"), Optional.of(NS), 2))));
        agent.store().apply(new Batch(1, "rev1", null, List.of(Op.upsert(new PortSpec("tenant-a", "web-1", "tenant-a/blue", 5001,
                MacAddress.parse("02:00:0a:01:01:04"), Ipv4.parse("10.1.1.4"), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1"))))));
        assertThat(health().statusCode()).isEqualTo(200);

        agent.dataplane().packets().stopWorker(1);
        HttpResponse<String> sick = health();
        assertThat(sick.statusCode()).isEqualTo(503);
        assertThat(sick.body()).contains("\"status\":\"unhealthy\"").contains("packet worker weft-worker-1 stopped");
    }

    @Test
    void removingAPortClosesItsTapOnlyAfterTheWorkersMovedOn() throws Exception {
        agent = Agent.start(new AgentConfig("host-x", "127.0.0.1", 0, dir, false, Optional.empty(), Optional.empty(),
                Optional.of(new PacketConfig(Ipv4.parse("198.18.0.50"), Optional.of(NS), 2))));
        PortSpec web1 = new PortSpec("tenant-a", "web-1", "tenant-a/blue", 5001, MacAddress.parse("02:00:0a:01:01:04"),
                Ipv4.parse("10.1.1.4"), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1"));
        for (int round = 0; round < 5; round++) { // add and remove: every publish waits for the workers, none dies
            agent.store().apply(new Batch(1, "add" + round, null, List.of(Op.upsert(web1))));
            agent.store().apply(new Batch(1, "remove" + round, null, List.of(Op.delete(web1.toObject().id()))));
        }
        assertThat(health().statusCode()).isEqualTo(200);
        assertThat(agent.dataplane().packets().stats().getJsonObject("ports")).isEmpty();
    }
}

package dev.weft.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.contract.client.AgentClient;
import dev.weft.contract.HostObject;
import dev.weft.contract.MappingSpec;
import dev.weft.contract.ObjectKey;
import dev.weft.contract.ApiError;
import dev.weft.contract.Encapsulation;
import dev.weft.contract.Wire;
import dev.weft.contract.PortSpec;
import dev.weft.contract.AgentState;
import dev.weft.contract.Batch;
import dev.weft.contract.Op;
import dev.weft.agent.store.StoreException;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentTest {

    @TempDir
    Path stateDir;

    Agent agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    static HostObject port(String name, String ip) {
        return new PortSpec("tenant-a", name, "tenant-a/blue", 5001, MacAddress.parse("02:00:0a:01:01:0" + ip.charAt(ip.length() - 1)),
                Ipv4.parse(ip), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1")).toObject();
    }

    static HostObject mapping(String ip, String pa) {
        return new MappingSpec(5001, Ipv4.parse(ip), MacAddress.parse("02:00:0a:01:01:0" + ip.charAt(ip.length() - 1)),
                Ipv4.parse(pa), Encapsulation.VXLAN).toObject();
    }

    private AgentClient start(Optional<String> token) throws Exception {
        agent = Agent.start(new AgentConfig("host-a", "127.0.0.1", 0, stateDir, false, token, Optional.empty()));
        return client(token);
    }

    private AgentClient client(Optional<String> token) {
        return new AgentClient(URI.create(agent.url()), token, Optional.empty(), Duration.ofSeconds(5));
    }

    @Test
    void appliesABatchAndReportsTheSameDigestTheObjectsSumTo() throws Exception {
        AgentClient client = start(Optional.empty());
        HostObject web1 = port("web-1", "10.1.1.4");
        HostObject map = mapping("10.1.1.5", "198.18.0.2");
        AgentClient.ApplyResponse response = client.apply(new Batch(1, "rev1", null, List.of(Op.upsert(web1), Op.upsert(map))));
        assertThat(response.ok()).isTrue();
        AgentState state = client.state();
        assertThat(state.objects()).containsOnlyKeys(web1.id(), map.id());
        assertThat(state.digest()).isEqualTo(web1.digest().plus(map.digest())).isEqualTo(response.digest());
        assertThat(state.epoch()).isEqualTo(1);
        assertThat(state.revision()).isEqualTo("rev1");
        assertThat(client.summary().digest()).isEqualTo(state.digest());
        assertThat(agent.dataplane().tables().current().ports()).hasSize(1);
        assertThat(agent.dataplane().tables().current().mappings()).hasSize(1);
        assertThat(client.stats().get("tables").get("generation").asLong()).isEqualTo(2); // restore + one batch
    }

    @Test
    void applyingTheSameBatchTwiceChangesNothingTheSecondTime() throws Exception {
        AgentClient client = start(Optional.empty());
        Batch batch = new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4"))));
        client.apply(batch);
        long generation = agent.dataplane().tables().current().generation();
        AgentClient.ApplyResponse again = client.apply(batch);
        assertThat(again.ok()).isTrue();
        assertThat(agent.dataplane().tables().current().generation()).isEqualTo(generation);
        assertThat(client.stats().get("batches").get("unchanged").asLong()).isEqualTo(1);
    }

    @Test
    void aStaleEpochIsRefusedWith412AndChangesNothing() throws Exception {
        AgentClient client = start(Optional.empty());
        client.apply(new Batch(5, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        AgentClient.ApplyResponse stale = client.apply(new Batch(4, "rev0", null, List.of(Op.delete(port("web-1", "10.1.1.4").id()))));
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.error()).isEqualTo(ApiError.STALE_EPOCH);
        assertThat(stale.message()).contains("epoch 4 is older than 5");
        assertThat(client.state().objects()).hasSize(1);
    }

    @Test
    void aWrongBaseDigestIsRefusedWith409() throws Exception {
        AgentClient client = start(Optional.empty());
        client.apply(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        AgentClient.ApplyResponse conflict = client.apply(new Batch(1, "rev2", "0".repeat(64), List.of(Op.upsert(port("web-2", "10.1.1.5")))));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(client.state().objects()).hasSize(1);
        AgentClient.ApplyResponse ok = client.apply(new Batch(1, "rev2", client.summary().digest().toString(),
                List.of(Op.upsert(port("web-2", "10.1.1.5")))));
        assertThat(ok.ok()).isTrue();
    }

    @Test
    void anInvalidOpRefusesTheWholeBatchWith422NamingTheField() throws Exception {
        start(Optional.empty());
        String good = Wire.write(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        String badMac = good.replace("\"mac\":\"02:00:0a:01:01:04\"", "\"mac\":\"not-a-mac\"");
        String twoOps = badMac.replace("\"ops\":[", "\"ops\":[" + good.substring(good.indexOf("[") + 1, good.lastIndexOf("]")) + ",");
        HttpResponse<String> response = post(twoOps);
        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.body()).contains("\"code\":\"INVALID\"").contains("ops[1].spec.mac: ");
        assertThat(client(Optional.empty()).state().objects()).isEmpty();

        String wrongKey = Wire.write(new Batch(1, "rev1", null, List.of(Op.upsert(mapping("10.1.1.5", "198.18.0.2")))))
                .replace("\"key\":\"5001/10.1.1.5\"", "\"key\":\"5001/10.9.9.9\"");
        HttpResponse<String> mismatch = post(wrongKey);
        assertThat(mismatch.statusCode()).isEqualTo(422);
        assertThat(mismatch.body()).contains("ops[0].key: 5001/10.9.9.9 does not match its spec (5001/10.1.1.5)");

        String untyped = good.replace("\"vni\":5001", "\"vni\":5001,\"extra\":{\"any\":1}");
        assertThat(post(untyped).body()).contains("ops[0].spec.extra");
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/apply"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void malformedRequestsAreRefusedNotCrashed() throws Exception {
        start(Optional.empty());
        HttpClient http = HttpClient.newHttpClient();
        for (String body : new String[] {"not json", "[]", "{}", "{\"epoch\":1,\"ops\":[{\"op\":\"explode\"}]}", "{\"epoch\":\"x\",\"ops\":[]}"}) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/apply"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(body).isIn(400, 422);
        }
        assertThat(client(Optional.empty()).summary().epoch()).isZero();
    }

    @Test
    void aTraceFromAnUplinkTheHostDoesNotHaveIsRefusedByName() throws Exception {
        AgentClient client = start(Optional.empty());
        assertThatThrownBy(() -> client.trace(dev.weft.contract.TraceRequest.fromUplink(new byte[60])))
                .hasMessageContaining("refused the trace: uplink: host host-a has no uplink");
        HttpResponse<String> both = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.url() + "/v1/trace"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"port\":\"tenant-a/web-1\",\"uplink\":true,\"frame\":\"AQ==\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(both.statusCode()).isEqualTo(422);
        assertThat(both.body()).contains("set one of port, underlaySource and uplink");
    }

    @Test
    void restartRestoresObjectsEpochAndDataPlaneBeforeServing() throws Exception {
        AgentClient client = start(Optional.empty());
        client.apply(new Batch(3, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")), Op.upsert(mapping("10.1.1.5", "198.18.0.2")))));
        AgentState before = client.state();
        agent.close();
        agent = Agent.start(AgentConfig.loopback("host-a", 0, stateDir));
        AgentState after = client(Optional.empty()).state();
        assertThat(after).isEqualTo(before);
        assertThat(agent.dataplane().tables().current().ports()).hasSize(1);
    }

    @Test
    void aCorruptStateFileIsAClearErrorUnlessResetIsAsked() throws Exception {
        start(Optional.empty()).apply(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        agent.close();
        agent = null;
        Path file = stateDir.resolve("state.json");
        Files.writeString(file, Files.readString(file).replace("10.1.1.4", "10.1.1.7"));
        assertThatThrownBy(() -> Agent.start(AgentConfig.loopback("host-a", 0, stateDir)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("state.json is corrupt: ").hasMessageContaining("its objects don't match its digest")
                .hasMessageContaining("--reset-state");
        agent = Agent.start(new AgentConfig("host-a", "127.0.0.1", 0, stateDir, true, Optional.empty(), Optional.empty()));
        assertThat(agent.store().state().objects()).isEmpty();
        assertThat(stateDir.resolve("state.json.corrupt")).exists();
    }

    @Test
    void aBearerTokenIsRequiredWhenConfigured() throws Exception {
        start(Optional.of("s3cret"));
        assertThat(client(Optional.of("s3cret")).summary().host()).isEqualTo("host-a");
        assertThatThrownBy(() -> client(Optional.of("wrong")).summary()).hasMessageContaining("HTTP 401");
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.url() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void plainHttpIsRefusedOffLoopback() {
        assertThatThrownBy(() -> Agent.start(new AgentConfig("host-a", "0.0.0.0", 0, stateDir, false, Optional.empty(), Optional.empty())))
                .hasMessageContaining("plain HTTP is allowed only on loopback");
    }

    @Test
    void offLoopbackTlsAloneIsNotEnoughClientsMustAuthenticate() {
        AgentConfig.Tls tls = new AgentConfig.Tls(stateDir.resolve("cert.pem"), stateDir.resolve("key.pem"), Optional.empty());
        assertThatThrownBy(() -> Agent.start(new AgentConfig("host-a", "0.0.0.0", 0, stateDir, false, Optional.empty(), Optional.of(tls))))
                .hasMessageContaining("without client authentication, so anyone who reaches it could program the host")
                .hasMessageContaining("--client-ca (mTLS) or --token-file");
    }

    @Test
    void anEpochNoReconcilerCanHoldIsRefusedSoNobodyIsFencedOutForever() throws Exception {
        AgentClient client = start(Optional.empty());
        HttpResponse<String> huge = post("{\"epoch\":1e300,\"revision\":\"x\",\"ops\":[]}");
        assertThat(huge.statusCode()).isEqualTo(422);
        AgentClient.ApplyResponse far = client.apply(new Batch(Long.MAX_VALUE, "x", null, List.of()));
        assertThat(far.status()).isEqualTo(422);
        assertThat(far.message()).contains("is beyond any reconciler's");
        long now = System.currentTimeMillis() / 1000;
        assertThat(client.apply(new Batch(now, "real", null, List.of())).ok()).as("a reconciler's epoch (Unix seconds)").isTrue();
        assertThat(client.summary().epoch()).isEqualTo(now);
    }

    @Test
    void aWatchAnswersWhenTheDigestChanges() throws Exception {
        AgentClient client = start(Optional.empty());
        dev.weft.contract.Digest empty = client.summary().digest();
        // A stale digest is answered at once.
        assertThat(client.watch(dev.weft.contract.Digest.ZERO.plus(port("x", "10.1.1.9").digest()), Duration.ofSeconds(20)).digest())
                .isEqualTo(empty);
        var watch = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return client.watch(empty, Duration.ofSeconds(20));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(watch).isNotDone();
        client.apply(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        assertThat(watch.get(5, java.util.concurrent.TimeUnit.SECONDS).digest()).isEqualTo(port("web-1", "10.1.1.4").digest());
        // With nothing changing, the watch ends after its wait with the same digest.
        assertThat(client.watch(client.summary().digest(), Duration.ofSeconds(1)).revision()).isEqualTo("rev1");
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        start(Optional.empty()).apply(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("weft_agent_batches_total{result=\"applied\"} 1.0")
                .contains("weft_agent_objects{kind=\"Port\"} 1.0").contains("weft_fastpath_table_generation 2.0");
    }
}

package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import dev.weft.model.Host;
import dev.weft.net.Ipv4;
import dev.weft.reconcile.AgentAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent that requires TLS client certificates from a CA, and a reconciler that has (or lacks) one. Certificates from openssl. */
class MutualTlsTest {

    @TempDir
    Path dir;

    Agent agent;
    Host host = new Host("host-a", Map.of(), Ipv4.parse("198.18.0.1"), Optional.empty());

    private void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
    }

    @BeforeEach
    void certificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=weft-test-ca");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
                "-extfile", "san.ext");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=weft-reconciler");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
        openssl("pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-out", "client.p12", "-passout", "pass:secret");
        agent = Agent.start(new AgentConfig("host-a", "127.0.0.1", 0, dir.resolve("state"), false, Optional.empty(),
                Optional.of(new AgentConfig.Tls(dir.resolve("server.pem"), dir.resolve("server.key"), Optional.of(dir.resolve("ca.pem"))))));
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    private AgentAccess access(boolean withClientCertificate) throws Exception {
        AgentOptions options = new AgentOptions();
        options.endpoints.put("host-a", agent.url());
        options.ca = dir.resolve("ca.pem");
        options.timeout = "5s";
        options.clientCertPasswordFile = java.nio.file.Files.writeString(dir.resolve("p12-password"), "secret\n");
        if (withClientCertificate) {
            options.clientCert = dir.resolve("client.p12");
        }
        return options.access();
    }

    @Test
    void aClientWithACertificateFromTheCaIsServed() throws Exception {
        assertThat(agent.url()).startsWith("https://");
        assertThat(access(true).client(host).summary().host()).isEqualTo("host-a");
    }

    @Test
    void aClientWithoutACertificateIsRefused() throws Exception {
        assertThatThrownBy(() -> access(false).client(host).summary()).hasMessageContaining("cannot reach");
    }

    @Test
    void aClientThatDoesNotTrustTheServersCaRefusesIt() throws Exception {
        AgentAccess untrusting = AgentAccess.of(Map.of("host-a", java.net.URI.create(agent.url())), Optional.empty(), Optional.empty(),
                java.time.Duration.ofSeconds(5));
        assertThatThrownBy(() -> untrusting.client(host).summary()).hasMessageContaining("cannot reach");
    }

    @Test
    void prometheusAndProbesReachMetricsAndHealthOnAPlainListenerThatProgramsNothing() throws Exception {
        int port = agent.serveMetrics("127.0.0.1", 0);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(get.apply("/metrics").body()).contains("weft_agent_batches_total").contains("weft_agent_epoch");
        assertThat(get.apply("/healthz").statusCode()).isEqualTo(200);
        var ready = get.apply("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\":\"ready\"").contains("\"programmed\":false");
        assertThat(get.apply("/v1/state").statusCode()).as("the host's programming isn't there").isEqualTo(404);
        assertThat(get.apply("/v1/stats").statusCode()).isEqualTo(404);
    }
}

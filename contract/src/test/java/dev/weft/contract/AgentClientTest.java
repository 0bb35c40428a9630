package dev.weft.contract;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.contract.client.AgentClient;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The client's own safety rules, before anything is sent. */
class AgentClientTest {

    @Test
    void theTokenNeverTravelsOverPlainHttpOffLoopback() {
        AgentClient client = new AgentClient(URI.create("http://198.18.0.77:7443"), Optional.of("s3cret"), Optional.empty(), Duration.ofSeconds(1));
        assertThatThrownBy(client::summary).hasMessageContaining("refusing to send the agent token to http://198.18.0.77:7443 over plain HTTP");
        assertThatThrownBy(() -> client.watch(Digest.ZERO, Duration.ofSeconds(1))).hasMessageContaining("refusing to send the agent token");
    }
}

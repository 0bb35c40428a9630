package dev.weft.reconcile;

import dev.weft.contract.client.AgentClient;
import dev.weft.model.Host;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * How the reconciler reaches agents: each Host's endpoint (an override, else its {@code agentEndpoint},
 * else {@code https://<underlayAddress>:7443}), the bearer token, TLS trust and the request timeout.
 */
public final class AgentAccess {

    public static final int DEFAULT_PORT = 7443;

    private final Function<Host, Optional<URI>> overrides;
    private final Optional<String> token;
    private final Duration timeout;
    private final Map<URI, AgentClient> clients = new ConcurrentHashMap<>();
    private final java.net.http.HttpClient http;

    public AgentAccess(Function<Host, Optional<URI>> overrides, Optional<String> token, Optional<SSLContext> tls, Duration timeout) {
        this.overrides = overrides;
        this.token = token;
        this.timeout = timeout;
        this.http = AgentClient.httpClient(tls, timeout);
    }

    public static AgentAccess of(Map<String, URI> overrides, Optional<String> token, Optional<SSLContext> tls, Duration timeout) {
        return new AgentAccess(host -> Optional.ofNullable(overrides.get(host.name())), token, tls, timeout);
    }

    public URI endpoint(Host host) {
        return overrides.apply(host)
                .or(() -> host.agentEndpoint().map(URI::create))
                .orElseGet(() -> URI.create("https://" + host.underlayAddress() + ":" + DEFAULT_PORT));
    }

    public AgentClient client(Host host) {
        return clients.computeIfAbsent(endpoint(host), uri -> new AgentClient(uri, token, http, timeout));
    }
}

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
    private final dev.weft.model.Model trusted;

    public AgentAccess(Function<Host, Optional<URI>> overrides, Optional<String> token, Optional<SSLContext> tls, Duration timeout) {
        this(overrides, token, AgentClient.httpClient(tls, timeout), timeout, null);
    }

    private AgentAccess(Function<Host, Optional<URI>> overrides, Optional<String> token, java.net.http.HttpClient http, Duration timeout,
                        dev.weft.model.Model trusted) {
        this.overrides = overrides;
        this.token = token;
        this.timeout = timeout;
        this.http = http;
        this.trusted = trusted;
    }

    public static AgentAccess of(Map<String, URI> overrides, Optional<String> token, Optional<SSLContext> tls, Duration timeout) {
        return new AgentAccess(host -> Optional.ofNullable(overrides.get(host.name())), token, tls, timeout);
    }

    /**
     * This access with every host's endpoint taken from {@code trusted} (a pull request's base revision)
     * instead of from the host as a change names it: a change can't send the token or the plan's requests
     * to an endpoint of its own. Hosts {@code trusted} doesn't have are not contacted ({@link #trusts}).
     */
    public AgentAccess pinnedTo(dev.weft.model.Model trusted) {
        AgentAccess base = this;
        return new AgentAccess(host -> base.overrides.apply(host).or(() -> Optional.ofNullable(trusted.hosts().get(host.name()))
                .map(base::endpoint)), token, http, timeout, trusted);
    }

    /** Whether the host's endpoint may be contacted: always, unless pinned to a revision without that host. */
    public boolean trusts(Host host) {
        return trusted == null || trusted.hosts().containsKey(host.name()) || overrides.apply(host).isPresent();
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

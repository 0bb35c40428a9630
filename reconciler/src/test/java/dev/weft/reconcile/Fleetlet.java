package dev.weft.reconcile;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** In-process agents on loopback for tests, one per host name, and the access that reaches them. */
public final class Fleetlet implements AutoCloseable {

    private final Path dir;
    final Map<String, Agent> agents = new TreeMap<>();
    public final Map<String, URI> endpoints = new TreeMap<>();

    public Fleetlet(Path dir) {
        this.dir = dir;
    }

    /** manifests-example's provider addresses, so that traces through these agents' tables know whose they are. */
    static final Map<String, dev.weft.net.Ipv4> EXAMPLE_UNDERLAY = Map.of("host-a", dev.weft.net.Ipv4.parse("198.18.0.1"),
            "host-b", dev.weft.net.Ipv4.parse("198.18.0.2"), "host-c", dev.weft.net.Ipv4.parse("198.18.1.1"));

    public Fleetlet start(String... hosts) throws Exception {
        for (String host : hosts) {
            AgentConfig config = AgentConfig.loopback(host, 0, dir.resolve(host));
            Agent agent = Agent.start(EXAMPLE_UNDERLAY.containsKey(host) ? config.withUnderlay(EXAMPLE_UNDERLAY.get(host)) : config);
            agents.put(host, agent);
            endpoints.put(host, URI.create(agent.url()));
        }
        return this;
    }

    /** Points {@code host} at a port nothing listens on. */
    Fleetlet unreachable(String host) {
        endpoints.put(host, URI.create("http://127.0.0.1:9"));
        return this;
    }

    AgentAccess access() {
        return AgentAccess.of(endpoints, Optional.empty(), Optional.empty(), Duration.ofSeconds(2));
    }

    Fleet fleet() {
        return new Fleet(access(), new RetryPolicy(2, Duration.ofMillis(20), Duration.ofMillis(100)));
    }

    long appliedBatches(String host) {
        return agents.get(host).dataplane().tables().publishes();
    }

    /** Deletes a Port on {@code host}'s agent by hand, as drift the reconciler didn't make. */
    public void removePort(String host, String key) throws Exception {
        var store = agents.get(host).store();
        store.apply(new dev.weft.contract.Batch(store.state().epoch(), "by hand", null,
                java.util.List.of(dev.weft.contract.Op.delete(new dev.weft.contract.ObjectKey(dev.weft.contract.ObjectKind.Port, key)))));
    }

    @Override
    public void close() throws Exception {
        for (Agent agent : agents.values()) {
            agent.close();
        }
    }
}

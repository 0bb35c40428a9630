package dev.weft.reconcile;

import dev.weft.contract.client.AgentClient;
import dev.weft.contract.Digest;
import dev.weft.model.Host;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Keeps every agent's current digest known without asking on every loop: one long-poll watch per agent
 * ({@code GET /v1/state?digest&unless=D&wait=S}) that the agent answers as soon as its digest changes.
 * A loop in which nothing changed then costs no request at all, and drift (a restarted or hand-edited
 * agent) is noticed at once and triggers a loop. When a watch fails its digest is forgotten, so the loop
 * falls back to asking the agent directly.
 */
public final class DigestWatches implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(25);
    private static final Digest UNKNOWN = new Digest(-1, -1, -1, -1);

    private final AgentAccess access;
    private final Runnable onChange;
    private final Map<String, Digest> digests = new ConcurrentHashMap<>();
    private final Map<String, Thread> watchers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param onChange called when an agent's digest changes (e.g. to run a loop now) */
    public DigestWatches(AgentAccess access, Runnable onChange) {
        this.access = access;
        this.onChange = onChange;
    }

    /** The build the agent runs, as its watch last reported it; empty when unknown. */
    public Optional<String> version(String host) {
        return Optional.ofNullable(versions.get(host));
    }

    private final java.util.Map<String, String> versions = new java.util.concurrent.ConcurrentHashMap<>();

    /** The agent's digest as its watch last reported it; empty when unknown. */
    public Optional<Digest> digest(String host) {
        return Optional.ofNullable(digests.get(host));
    }

    /** Watches exactly these hosts: starts watches for new ones, stops those of hosts that are gone. */
    public void watch(Collection<Host> hosts) {
        Set<String> names = hosts.stream().map(Host::name).collect(Collectors.toSet());
        watchers.keySet().stream().filter(name -> !names.contains(name)).toList().forEach(name -> {
            Thread thread = watchers.remove(name);
            thread.interrupt();
            digests.remove(name);
        });
        for (Host host : hosts) {
            watchers.computeIfAbsent(host.name(), name -> Thread.ofVirtual().name("weft-watch-" + name).start(() -> run(host)));
        }
    }

    private void run(Host host) {
        Digest last = UNKNOWN;
        while (!closed && !Thread.currentThread().isInterrupted()) {
            try {
                AgentClient client = access.client(host);
                AgentClient.Summary summary = client.watch(last, WAIT);
                Digest now = summary.digest();
                digests.put(host.name(), now);
                versions.put(host.name(), summary.version());
                if (!now.equals(last) && !last.equals(UNKNOWN)) {
                    onChange.run();
                }
                last = now;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                digests.remove(host.name());
                last = UNKNOWN;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watchers.values().forEach(Thread::interrupt);
        watchers.clear();
        digests.clear();
    }
}

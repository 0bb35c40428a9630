package dev.weft.fastpath.lb;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Health probes in flight, between the agent's prober (which sends a SYN into a backend's port from the port's
 * gateway address) and the {@code lb-probe} node (which takes the backend's answers): a probe is known by the
 * backend's VNI and address and the probe's source port, one of {@link #FIRST_PORT}..{@link #LAST_PORT}. The node
 * records each probe's outcome here; the prober reads and forgets it.
 */
public final class ProbeTable {

    public static final int FIRST_PORT = 61000;
    public static final int LAST_PORT = 61999;

    public enum Kind { TCP, HTTP }

    /** A probe sent: how it judges health, and the request path (HTTP). */
    public record Probe(Kind kind, String path) {
    }

    private record Key(int vni, int backend, int sourcePort) {
    }

    private final ConcurrentHashMap<Key, Probe> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Boolean> outcomes = new ConcurrentHashMap<>();

    public static boolean isProbePort(int port) {
        return port >= FIRST_PORT && port <= LAST_PORT;
    }

    public void sent(int vni, int backend, int sourcePort, Probe probe) {
        Key key = new Key(vni, backend, sourcePort);
        outcomes.remove(key);
        pending.put(key, probe);
    }

    /** The probe a backend's segment to {@code sourcePort} answers, or null. */
    public Probe pending(int vni, int backend, int sourcePort) {
        return pending.get(new Key(vni, backend, sourcePort));
    }

    /** The probe's outcome: healthy or not; the probe is no longer pending. */
    public void decided(int vni, int backend, int sourcePort, boolean healthy) {
        Key key = new Key(vni, backend, sourcePort);
        if (pending.remove(key) != null) {
            outcomes.put(key, healthy);
        }
    }

    /** The outcome of the probe, null while undecided; taking it forgets the probe. */
    public Boolean take(int vni, int backend, int sourcePort) {
        Key key = new Key(vni, backend, sourcePort);
        Boolean outcome = outcomes.remove(key);
        if (outcome == null) {
            pending.remove(key); // unanswered: forgotten, so a late answer is ignored
        }
        return outcome;
    }
}

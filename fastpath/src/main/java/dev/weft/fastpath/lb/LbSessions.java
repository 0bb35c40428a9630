package dev.weft.fastpath.lb;

import java.util.HashMap;
import java.util.Map;

/**
 * Load-balanced connections on a client's host, shared by its workers: which backend each connection (VNI,
 * protocol, client address and port, frontend address and port) went to, so it keeps that backend for life
 * whatever happens to the table, and the way back, so a backend's reply is given the frontend's address again
 * before the client sees it. A connection lives while it is used within its idle timeout.
 *
 * <p>Opening and the reverse lookup (a new flow's slow path) take a lock; a cached flow's refresh does not.
 */
public final class LbSessions {

    private final int capacity;
    private final int[] stamp;
    private final long[] idleNanos;
    private final long[] lastUsed;
    private final Session[] sessions;
    private final Map<Key, Integer> forward = new HashMap<>();
    private final Map<Key, Integer> reverse = new HashMap<>();
    private final java.util.ArrayDeque<Integer> released = new java.util.ArrayDeque<>();
    private int free;
    private volatile long now = System.nanoTime();

    private record Key(int vni, int protocol, int a, int aPort, int b, int bPort) {
    }

    /** A connection: the client, the frontend it asked for, the backend it got. */
    public record Session(int vni, int protocol, int client, int clientPort, int frontend, int frontendPort, int backend, int backendPort) {
    }

    public LbSessions(int capacity) {
        this.capacity = capacity;
        stamp = new int[capacity];
        idleNanos = new long[capacity];
        lastUsed = new long[capacity];
        sessions = new Session[capacity];
    }

    public void tick() {
        now = System.nanoTime();
    }

    public void tick(long nanos) {
        now = nanos;
    }

    private boolean alive(int s) {
        return sessions[s] != null && now - lastUsed[s] <= idleNanos[s];
    }

    /** The live connection of this client to this frontend, or -1. */
    public synchronized int find(int vni, int protocol, int client, int clientPort, int frontend, int frontendPort) {
        Integer s = forward.get(new Key(vni, protocol, client, clientPort, frontend, frontendPort));
        if (s == null || !alive(s)) {
            return -1;
        }
        lastUsed[s] = now;
        return s;
    }

    /** Records a new connection to {@code backend}; -1 when the table is full of live connections. */
    public synchronized int open(Session session, long idle) {
        Key key = new Key(session.vni(), session.protocol(), session.client(), session.clientPort(), session.frontend(), session.frontendPort());
        Integer old = forward.get(key);
        if (old != null) {
            release(old);
        }
        int s = slot();
        if (s < 0) {
            return -1;
        }
        sessions[s] = session;
        idleNanos[s] = idle;
        lastUsed[s] = now;
        stamp[s]++;
        forward.put(key, s);
        reverse.put(new Key(session.vni(), session.protocol(), session.backend(), session.backendPort(), session.client(), session.clientPort()), s);
        return s;
    }

    private int slot() {
        if (!released.isEmpty()) {
            return released.poll();
        }
        if (free < capacity) {
            return free++;
        }
        for (int s = 0; s < capacity; s++) {
            if (sessions[s] != null && !alive(s)) {
                release(s);
            }
        }
        return released.isEmpty() ? -1 : released.poll();
    }

    private void release(int s) {
        Session x = sessions[s];
        forward.remove(new Key(x.vni(), x.protocol(), x.client(), x.clientPort(), x.frontend(), x.frontendPort()));
        reverse.remove(new Key(x.vni(), x.protocol(), x.backend(), x.backendPort(), x.client(), x.clientPort()));
        sessions[s] = null;
        stamp[s]++;
        released.add(s);
    }

    /** The live connection a packet from {@code backend}:{@code backendPort} to {@code client}:{@code clientPort} answers, or -1. */
    public synchronized int reverse(int vni, int protocol, int backend, int backendPort, int client, int clientPort) {
        Integer s = reverse.get(new Key(vni, protocol, backend, backendPort, client, clientPort));
        if (s == null || !alive(s)) {
            return -1;
        }
        lastUsed[s] = now;
        return s;
    }

    /**
     * The connection of this client to {@code rule}'s frontend: the one it has if it is still tracked, else a new
     * one to the backend the rule's Maglev table gives {@code flowHash} (or the client's address, for SourceIP);
     * -1 when the rule has no healthy backend or no connection can be tracked.
     */
    public int connect(dev.weft.fastpath.table.ForwardingTables t, dev.weft.fastpath.table.Balancer rule, int protocol, int client,
                       int clientPort, int flowHash) {
        int s = find(rule.vni(), protocol, client, clientPort, rule.frontend().value(), rule.frontendPort());
        if (s >= 0) {
            return s;
        }
        Maglev table = t.maglev(rule);
        if (table.backends().isEmpty()) {
            return -1;
        }
        int hash = rule.sourceIp() ? dev.weft.fastpath.packet.FlowHash.hash(client, 0, 0, 0, 0, 0) : flowHash;
        return open(new Session(rule.vni(), protocol, client, clientPort, rule.frontend().value(), rule.frontendPort(),
                t.backendIp(rule, table.lookup(hash)), rule.backendPort()), rule.idleTimeoutSeconds() * 1_000_000_000L);
    }

    /** A packet of TCP connection {@code s} passed with {@code tcpFlags}: a FIN or RST shortens how long it keeps its backend ({@link dev.weft.fastpath.packet.TcpClose}). */
    public void ends(int s, int tcpFlags) {
        Session session = s >= 0 && s < capacity ? sessions[s] : null;
        if (session != null && session.protocol() == 6) {
            idleNanos[s] = dev.weft.fastpath.packet.TcpClose.idleAfter(idleNanos[s], tcpFlags);
        }
    }

    /** Refreshes connection {@code s} for a cached flow; false when it is no longer the connection with {@code stamp}, or it expired. */
    public boolean touch(int s, int stamp) {
        if (s < 0 || s >= capacity || this.stamp[s] != stamp || !alive(s)) {
            return false;
        }
        lastUsed[s] = now;
        return true;
    }

    public Session session(int s) {
        return sessions[s];
    }

    public int stamp(int s) {
        return stamp[s];
    }
}

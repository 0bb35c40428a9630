package dev.weft.fastpath.uplink;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Source NAT with port allocation for the NAT gateways a host serves, shared by its workers. A session maps
 * (VNI, protocol, private address and port, remote address and port) to one of the gateway's public
 * addresses and a port of it (TCP and UDP ports, ICMP echo identifiers) that no other live session of that
 * address and protocol holds. Replies find their session by (public address, protocol, public port) and
 * must come from the remote end the session was opened to: anything else is unsolicited.
 *
 * <p>New sessions are allocated under a lock (the slow path of a new flow); a reply's lookup and a cached
 * flow's refresh read without one: a port's owner is published with a volatile write after the session's
 * fields. A session lives while it is used within its idle timeout; an expired one's port is taken back
 * when an allocation meets it. A TCP session's timeout shortens once its connection ends ({@link #ends},
 * {@link dev.weft.fastpath.packet.TcpClose}), so the ports of closed connections come back soon.
 */
public final class NatSessions {

    public static final int FIRST_PORT = 1024;
    private static final int PORTS = 65536 - FIRST_PORT;

    private final int capacity;
    private final int[] vni;
    private final int[] protocol;
    private final int[] privateIp;
    private final int[] privatePort;
    private final int[] remoteIp;
    private final int[] remotePort;
    private final int[] publicIp;
    private final int[] publicPort;
    private final int[] stamp;
    private final long[] idleNanos;
    private final long[] lastUsed;
    private final Map<Key, Integer> byPrivate = new HashMap<>();
    private final Map<Integer, Pool> pools = new ConcurrentHashMap<>();
    private int free; // next never-used session slot
    private final java.util.ArrayDeque<Integer> released = new java.util.ArrayDeque<>();
    private volatile long now = System.nanoTime();
    /** Allocations refused because every port of every public address of the gateway was in use. */
    public volatile long exhausted;
    public volatile long allocated;

    private record Key(int vni, int protocol, int ip, int port, int remoteIp, int remotePort) {
    }

    /** The ports of one public address, per protocol: owner session + 1, 0 when free. */
    private static final class Pool {
        final AtomicIntegerArray tcp = new AtomicIntegerArray(PORTS);
        final AtomicIntegerArray udp = new AtomicIntegerArray(PORTS);
        final AtomicIntegerArray icmp = new AtomicIntegerArray(PORTS);
        int cursor;

        AtomicIntegerArray of(int protocol) {
            return protocol == 6 ? tcp : protocol == 17 ? udp : icmp;
        }
    }

    public NatSessions(int capacity) {
        this.capacity = capacity;
        vni = new int[capacity];
        protocol = new int[capacity];
        privateIp = new int[capacity];
        privatePort = new int[capacity];
        remoteIp = new int[capacity];
        remotePort = new int[capacity];
        publicIp = new int[capacity];
        publicPort = new int[capacity];
        stamp = new int[capacity];
        idleNanos = new long[capacity];
        lastUsed = new long[capacity];
    }

    /** The time sessions are judged by, read once per batch. */
    public void tick() {
        now = System.nanoTime();
    }

    public void tick(long nanos) {
        now = nanos;
    }

    private boolean alive(int s) {
        return now - lastUsed[s] <= idleNanos[s];
    }

    /** The live session of this flow, or -1 (none is allocated). */
    public synchronized int find(int vni, int protocol, int ip, int port, int remote, int remotePort) {
        Integer s = byPrivate.get(new Key(vni, protocol, ip, port, remote, protocol == 1 ? 0 : remotePort));
        return s != null && alive(s) ? s : -1;
    }

    /**
     * The session of this flow, allocating one on an address of {@code addresses} (chosen by the private address,
     * so one VM's flows share an address) when it has none; -1 when every port is in use (counted).
     */
    public synchronized int allocate(int vni, int protocol, int ip, int port, int remote, int remotePort, int[] addresses, long idle) {
        int remoteKey = protocol == 1 ? 0 : remotePort;
        Key key = new Key(vni, protocol, ip, port, remote, remoteKey);
        Integer existing = byPrivate.get(key);
        if (existing != null) {
            int s = existing;
            if (alive(s)) {
                lastUsed[s] = now;
                return s;
            }
            release(s);
        }
        int first = Math.floorMod(Integer.hashCode(ip) * 0x9E3779B9, addresses.length);
        for (int a = 0; a < addresses.length; a++) {
            int address = addresses[(first + a) % addresses.length];
            Pool pool = pools.computeIfAbsent(address, x -> new Pool());
            AtomicIntegerArray owners = pool.of(protocol);
            for (int n = 0; n < PORTS; n++) {
                int p = (pool.cursor + n) % PORTS;
                int owner = owners.get(p) - 1;
                if (owner >= 0 && alive(owner)) {
                    continue;
                }
                if (owner >= 0) {
                    release(owner);
                }
                int s = slot();
                if (s < 0) {
                    exhausted++;
                    return -1;
                }
                this.vni[s] = vni;
                this.protocol[s] = protocol;
                this.privateIp[s] = ip;
                this.privatePort[s] = port;
                this.remoteIp[s] = remote;
                this.remotePort[s] = remoteKey;
                this.publicIp[s] = address;
                this.publicPort[s] = FIRST_PORT + p;
                this.idleNanos[s] = idle;
                this.lastUsed[s] = now;
                this.stamp[s]++;
                owners.set(p, s + 1); // publishes the fields above to readers of the owner
                pool.cursor = (p + 1) % PORTS;
                byPrivate.put(key, s);
                allocated++;
                return s;
            }
        }
        exhausted++;
        return -1;
    }

    private int slot() {
        if (!released.isEmpty()) {
            return released.poll();
        }
        if (free < capacity) {
            return free++;
        }
        for (int s = 0; s < capacity; s++) { // full: take back what expired
            if (publicIp[s] != 0 && !alive(s)) {
                release(s);
            }
        }
        return released.isEmpty() ? -1 : released.poll();
    }

    private void release(int s) {
        Pool pool = pools.get(publicIp[s]);
        if (pool != null) {
            pool.of(protocol[s]).compareAndSet(publicPort[s] - FIRST_PORT, s + 1, 0);
        }
        byPrivate.remove(new Key(vni[s], protocol[s], privateIp[s], privatePort[s], remoteIp[s], remotePort[s]));
        publicIp[s] = 0;
        stamp[s]++;
        released.add(s);
    }

    /** The live session a reply from {@code remote}:{@code remotePort} to {@code address}:{@code port} belongs to, or -1. */
    public int reverse(int address, int protocol, int port, int remote, int remotePort) {
        if (port < FIRST_PORT) {
            return -1;
        }
        Pool pool = pools.get(address);
        if (pool == null) {
            return -1;
        }
        int s = pool.of(protocol).get(port - FIRST_PORT) - 1;
        if (s < 0 || remoteIp[s] != remote || this.remotePort[s] != (protocol == 1 ? 0 : remotePort) || this.protocol[s] != protocol
                || !alive(s)) {
            return -1;
        }
        lastUsed[s] = now;
        return s;
    }

    /** A packet of TCP session {@code s}'s connection passed with {@code tcpFlags}: a FIN or RST shortens its timeout ({@link dev.weft.fastpath.packet.TcpClose}). */
    public void ends(int s, int tcpFlags) {
        if (s >= 0 && s < capacity && protocol[s] == 6) {
            idleNanos[s] = dev.weft.fastpath.packet.TcpClose.idleAfter(idleNanos[s], tcpFlags);
        }
    }

    /** Refreshes session {@code s} for a cached flow; false when it is no longer the session with {@code stamp} or it expired. */
    public boolean touch(int s, int stamp) {
        if (s < 0 || s >= capacity || this.stamp[s] != stamp || !alive(s)) {
            return false;
        }
        lastUsed[s] = now;
        return true;
    }

    public int stamp(int s) {
        return stamp[s];
    }

    public int vni(int s) {
        return vni[s];
    }

    public int privateIp(int s) {
        return privateIp[s];
    }

    public int privatePort(int s) {
        return privatePort[s];
    }

    public int publicIp(int s) {
        return publicIp[s];
    }

    public int publicPort(int s) {
        return publicPort[s];
    }

    /** Sessions in use now (alive). */
    public synchronized int active() {
        int n = 0;
        for (int s = 0; s < free; s++) {
            if (publicIp[s] != 0 && alive(s)) {
                n++;
            }
        }
        return n;
    }
}

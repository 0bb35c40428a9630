package dev.weft.fastpath.uplink;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The uplink's link layer, shared by a host's workers: its own MAC, and the MACs of neighbours on the
 * logical network (the default gateway, other hosts' public addresses) learned from their ARP. An address
 * not yet known is asked for at most every {@link #RETRY_NANOS}.
 */
public final class Neighbors {

    public static final long RETRY_NANOS = 200_000_000L;

    private volatile long ownMac;
    private final ConcurrentHashMap<Integer, Long> macs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Long> asked = new ConcurrentHashMap<>();

    /** The uplink device's MAC (0 while there is none). */
    public long ownMac() {
        return ownMac;
    }

    public void ownMac(long mac) {
        this.ownMac = mac;
    }

    /** The MAC of {@code ip}, or 0 when unknown. */
    public long mac(int ip) {
        Long mac = macs.get(ip);
        return mac == null ? 0 : mac;
    }

    public void learn(int ip, long mac) {
        Long old = macs.put(ip, mac);
        if (old == null || old != mac) {
            asked.remove(ip);
        }
    }

    /** Whether to send an ARP request for {@code ip} now: true at most once per {@link #RETRY_NANOS}. */
    public boolean ask(int ip, long now) {
        Long last = asked.get(ip);
        if (last != null && now - last < RETRY_NANOS) {
            return false;
        }
        asked.put(ip, now);
        return true;
    }

    /** Forgets every neighbour (the uplink changed). */
    public void clear() {
        macs.clear();
        asked.clear();
    }

    public int size() {
        return macs.size();
    }
}

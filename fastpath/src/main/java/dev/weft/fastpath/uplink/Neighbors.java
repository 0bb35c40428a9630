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
    /** The last neighbour looked up and found: nearly every packet goes to the default gateway, read without a map lookup. */
    private volatile Entry last = new Entry(0, 0);

    private record Entry(int ip, long mac) {
    }

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
        Entry e = last;
        if (e.ip == ip && ip != 0) {
            return e.mac;
        }
        Long mac = macs.get(ip);
        if (mac == null) {
            return 0;
        }
        last = new Entry(ip, mac);
        return mac;
    }

    public void learn(int ip, long mac) {
        Long old = macs.put(ip, mac);
        last = new Entry(0, 0); // a changed MAC is read from the map from now on
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
        last = new Entry(0, 0);
        macs.clear();
        asked.clear();
    }

    public int size() {
        return macs.size();
    }
}

package dev.weft.fastpath.qos;

import dev.weft.fastpath.table.ForwardingTables;

/** One worker's view of the host's {@link Meters}: each local port's meters by port index for the current tables, null where it has no limit. */
public final class PortMeters {

    private final Meters meters;
    private Meter[] inbound = new Meter[0];
    private Meter[] outbound = new Meter[0];
    private Meter[] reserved = new Meter[0];
    private Meter[] host = new Meter[0];
    /** Per port, the non-null of its outbound, reserved and host meters, worked out per table and per change of shares. */
    private Meter[][] sending = new Meter[0][];
    private static final Meter[] NONE = {};
    /** How recently a port without a reservation must have sent to count as one of those sharing the host's capacity. */
    public static final long ACTIVE_NANOS = 100_000_000L;
    private ForwardingTables tables;
    /** How many ports without a reservation {@link #reserved}'s even parts were last set for (0: none on this host). */
    private int sharing;

    public PortMeters(Meters meters) {
        this.meters = meters;
    }

    /**
     * For new tables: each port's meters at its limits. On a host with an outbound capacity every port has a guaranteed
     * share of it: its reservation, or, without one, an even part of what the reservations leave, among those of such ports
     * that have sent lately ({@link #rebalance}; at first among all of them). So VMs without reservations share the rest
     * evenly when they want more than there is; one VM alone still takes whatever room the host has (beyond its share it
     * sends while the host has capacity left).
     */
    public void refresh(ForwardingTables t) {
        int n = t.portCount();
        tables = t;
        Meter[] in = new Meter[n];
        Meter[] out = new Meter[n];
        Meter[] all = new Meter[n];
        int without = 0;
        for (int p = 0; p < n; p++) {
            String name = t.ports[p].name();
            in[p] = meter(name, Meters.Direction.INBOUND, t.portInboundBits[p]);
            out[p] = meter(name, Meters.Direction.OUTBOUND, t.portOutboundBits[p]);
            all[p] = t.portHostBits[p] > 0 ? meters.meter(Meters.HOST, Meters.Direction.OUTBOUND, t.portHostBits[p]) : null;
            without += sharesEvenly(t, p) ? 1 : 0;
        }
        inbound = in;
        outbound = out;
        host = all;
        shares(without == 0 ? 0 : meters.sharing() > 0 ? Math.min(meters.sharing(), without) : without); // as the host divides it now
    }

    /**
     * Every {@link #ACTIVE_NANOS} or so: divides what the reservations leave of the host's capacity among the ports without
     * a reservation that have sent within the last {@link #ACTIVE_NANOS} (at least one), when their number changed. The
     * shares are the host's meters, their rates changed in place, so every worker counts the same and nothing charged is lost.
     */
    public void rebalance(long now) {
        if (sharing == 0) {
            return;
        }
        ForwardingTables t = tables;
        int active = 0;
        for (int p = 0; p < t.portCount(); p++) {
            if (sharesEvenly(t, p) && reserved[p] != null && reserved[p].chargedSince(now - ACTIVE_NANOS)) {
                active++; // the host's meter, charged by every worker that reads the port
            }
        }
        if (Math.max(1, active) != sharing) {
            shares(Math.max(1, active));
        }
    }

    /** Whether port {@code p} is on a host with an outbound capacity and has no reservation: its share is an even part. */
    private static boolean sharesEvenly(ForwardingTables t, int p) {
        return t.portHostBits[p] > 0 && t.portReservedBits[p] == 0;
    }

    /** Sets each port's guaranteed share (its reservation, or an even part among {@code among} ports) and what it is charged to. */
    private void shares(int among) {
        ForwardingTables t = tables;
        int n = t.portCount();
        long capacity = 0;
        long reservations = 0;
        for (int p = 0; p < n; p++) {
            capacity = Math.max(capacity, t.portHostBits[p]);
            reservations += t.portReservedBits[p];
        }
        long even = among == 0 ? 0 : Math.max(0, capacity - reservations) / among;
        Meter[] share = new Meter[n];
        Meter[][] charged = new Meter[n][];
        for (int p = 0; p < n; p++) {
            String name = t.ports[p].name();
            share[p] = sharesEvenly(t, p) && even > 0 ? meters.share(name, even) : meter(name, Meters.Direction.RESERVED, t.portReservedBits[p]);
            charged[p] = java.util.stream.Stream.of(outbound[p], share[p], host[p]).filter(java.util.Objects::nonNull).toArray(Meter[]::new);
        }
        reserved = share;
        sending = charged;
        sharing = among;
        meters.sharing(among);
    }

    private Meter meter(String port, Meters.Direction direction, long bitsPerSecond) {
        if (bitsPerSecond > 0) {
            return meters.meter(port, direction, bitsPerSecond);
        }
        meters.remove(port, direction);
        return null;
    }

    /** The inbound meter of local port {@code port}, or null. */
    public Meter inbound(int port) {
        return port < inbound.length ? inbound[port] : null;
    }

    /** The meter of local port {@code port}'s guaranteed share of the host's outbound capacity, or null. */
    public Meter reserved(int port) {
        return port < reserved.length ? reserved[port] : null;
    }

    /** The meter of the host's outbound capacity, which local port {@code port} shares, or null. */
    public Meter host(int port) {
        return port < host.length ? host[port] : null;
    }

    /** The meters what local port {@code port} sends is charged to: its limit, its share, the host's capacity (those it has). */
    public Meter[] sending(int port) {
        return port < sending.length ? sending[port] : NONE;
    }

    /** The outbound meter of local port {@code port}, or null. */
    public Meter outbound(int port) {
        return port < outbound.length ? outbound[port] : null;
    }
}

package dev.weft.fastpath.qos;

import dev.weft.fastpath.table.ForwardingTables;

/** One worker's view of the host's {@link Meters}: each local port's meters by port index for the current tables, null where it has no limit. */
public final class PortMeters {

    private final Meters meters;
    private Meter[] inbound = new Meter[0];
    private Meter[] outbound = new Meter[0];
    private Meter[] reserved = new Meter[0];
    private Meter[] host = new Meter[0];
    /** Per port, the non-null of its outbound, reserved and host meters, worked out once per table. */
    private Meter[][] sending = new Meter[0][];
    private static final Meter[] NONE = {};

    public PortMeters(Meters meters) {
        this.meters = meters;
    }

    /**
     * For new tables: each port's meters at its limits. On a host with an outbound capacity every port has a guaranteed
     * share of it: its reservation, or, without one, an even part of what the reservations leave, so VMs without
     * reservations share the rest evenly when they all want more than there is (one VM alone still takes whatever room
     * the host has: beyond its share it sends while the host has capacity left).
     */
    public void refresh(ForwardingTables t) {
        int n = t.portCount();
        Meter[] in = new Meter[n];
        Meter[] out = new Meter[n];
        Meter[] share = new Meter[n];
        Meter[] all = new Meter[n];
        long evenShare = evenShare(t);
        for (int p = 0; p < n; p++) {
            String name = t.ports[p].name();
            in[p] = meter(name, Meters.Direction.INBOUND, t.portInboundBits[p]);
            out[p] = meter(name, Meters.Direction.OUTBOUND, t.portOutboundBits[p]);
            share[p] = meter(name, Meters.Direction.RESERVED, t.portReservedBits[p] > 0 ? t.portReservedBits[p]
                    : t.portHostBits[p] > 0 ? evenShare : 0);
            all[p] = t.portHostBits[p] > 0 ? meters.meter(Meters.HOST, Meters.Direction.OUTBOUND, t.portHostBits[p]) : null;
        }
        inbound = in;
        outbound = out;
        reserved = share;
        host = all;
        Meter[][] charged = new Meter[n][];
        for (int p = 0; p < n; p++) {
            charged[p] = java.util.stream.Stream.of(out[p], share[p], all[p]).filter(java.util.Objects::nonNull).toArray(Meter[]::new);
        }
        sending = charged;
    }

    /** What each port without a reservation is guaranteed of the host's capacity: an even part of what the reservations leave. */
    private static long evenShare(ForwardingTables t) {
        long capacity = 0;
        long reserved = 0;
        int without = 0;
        for (int p = 0; p < t.portCount(); p++) {
            capacity = Math.max(capacity, t.portHostBits[p]);
            reserved += t.portReservedBits[p];
            without += t.portReservedBits[p] == 0 ? 1 : 0;
        }
        return without == 0 ? 0 : Math.max(0, capacity - reserved) / without;
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

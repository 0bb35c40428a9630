package dev.weft.fastpath.qos;

import dev.weft.fastpath.table.ForwardingTables;

/**
 * One worker's view of the host's {@link Meters}: each local port's meters by port index for the current tables (null
 * where the port has no limit), and the clock, read once per batch.
 */
public final class PortMeters {

    private final Meters meters;
    private Meter[] inbound = new Meter[0];
    private Meter[] outbound = new Meter[0];
    private long now;

    public PortMeters(Meters meters) {
        this.meters = meters;
    }

    public Meters meters() {
        return meters;
    }

    /** For new tables: each port's meters at its limits. */
    public void refresh(ForwardingTables t) {
        int n = t.portCount();
        Meter[] in = new Meter[n];
        Meter[] out = new Meter[n];
        for (int p = 0; p < n; p++) {
            String name = t.ports[p].name();
            in[p] = meter(name, Meters.Direction.INBOUND, t.portInboundBits[p]);
            out[p] = meter(name, Meters.Direction.OUTBOUND, t.portOutboundBits[p]);
        }
        inbound = in;
        outbound = out;
    }

    private Meter meter(String port, Meters.Direction direction, long bitsPerSecond) {
        if (bitsPerSecond > 0) {
            return meters.meter(port, direction, bitsPerSecond);
        }
        meters.remove(port, direction);
        return null;
    }

    /** Reads the clock: once per batch. */
    public void tick() {
        now = System.nanoTime();
    }

    /** Whether a frame of {@code bytes} from local port {@code port} is within its outbound limit (always, without one). */
    public boolean admitOutbound(int port, int bytes) {
        Meter m = outbound[port];
        return m == null || m.admit(now, bytes);
    }

    /** Whether a frame of {@code bytes} to local port {@code port} is within its inbound limit (always, without one). */
    public boolean admitInbound(int port, int bytes) {
        Meter m = inbound[port];
        return m == null || m.admit(now, bytes);
    }

    /** The limit of local port {@code port} in {@code direction}, in bits per second, or 0. */
    public long limit(int port, Meters.Direction direction) {
        Meter m = direction == Meters.Direction.INBOUND ? inbound[port] : outbound[port];
        return m == null ? 0 : m.bitsPerSecond;
    }
}

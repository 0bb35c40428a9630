package dev.weft.fastpath.packet;

/**
 * What a TCP FIN or RST does to how long state kept for its connection (tracked flows, NAT translations, load-balanced
 * connections) may idle: after a FIN at most {@link #FIN_HOLD} (a half-closed connection may still carry data the other
 * way: Linux conntrack's FIN_WAIT and TIME_WAIT), after a RST at most {@link #RST_HOLD}.
 */
public final class TcpClose {

    public static final int FIN = 0x01;
    public static final int RST = 0x04;
    /** Nanoseconds. */
    public static final long FIN_HOLD = 120_000_000_000L;
    public static final long RST_HOLD = 10_000_000_000L;

    private TcpClose() {
    }

    /** Whether a segment with {@code tcpFlags} ends its connection, or begins to. */
    public static boolean ends(int tcpFlags) {
        return (tcpFlags & (FIN | RST)) != 0;
    }

    /** How long state that may idle {@code idle} nanoseconds may idle once a segment with {@code tcpFlags} passed. */
    public static long idleAfter(long idle, int tcpFlags) {
        return (tcpFlags & RST) != 0 ? Math.min(idle, RST_HOLD) : (tcpFlags & FIN) != 0 ? Math.min(idle, FIN_HOLD) : idle;
    }
}

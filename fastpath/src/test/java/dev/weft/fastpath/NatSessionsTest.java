package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.uplink.NatSessions;
import org.junit.jupiter.api.Test;

/** A NAT gateway's port allocation: distinct ports, replies only from the remote end, expiry, and exhaustion counted. */
class NatSessionsTest {

    static final int[] ADDRESSES = {ip("203.0.113.20")};
    static final long IDLE = 240_000_000_000L;
    static final int VM = ip("10.1.2.5");
    static final int REMOTE = ip("198.51.100.7");

    @Test
    void aFlowKeepsItsPortOtherFlowsGetTheirOwnAndRepliesMustComeFromTheRemoteEnd() {
        NatSessions sessions = new NatSessions(1024);
        sessions.tick(0);
        int a = sessions.allocate(5001, 6, VM, 40000, REMOTE, 443, ADDRESSES, IDLE);
        int b = sessions.allocate(5001, 6, VM, 40001, REMOTE, 443, ADDRESSES, IDLE);
        assertThat(sessions.allocate(5001, 6, VM, 40000, REMOTE, 443, ADDRESSES, IDLE)).isEqualTo(a);
        assertThat(sessions.publicPort(a)).isNotEqualTo(sessions.publicPort(b)).isGreaterThanOrEqualTo(NatSessions.FIRST_PORT);
        assertThat(sessions.reverse(ADDRESSES[0], 6, sessions.publicPort(a), REMOTE, 443)).isEqualTo(a);
        assertThat(sessions.reverse(ADDRESSES[0], 6, sessions.publicPort(a), REMOTE, 444)).as("another remote port").isEqualTo(-1);
        assertThat(sessions.reverse(ADDRESSES[0], 6, sessions.publicPort(a), ip("198.51.100.8"), 443)).as("another remote").isEqualTo(-1);
        assertThat(sessions.reverse(ADDRESSES[0], 17, sessions.publicPort(a), REMOTE, 443)).as("another protocol").isEqualTo(-1);
        assertThat(sessions.privatePort(a)).isEqualTo(40000);
    }

    @Test
    void anIdleTranslationExpiresAndItsPortIsTakenAgain() {
        NatSessions sessions = new NatSessions(1024);
        sessions.tick(0);
        int a = sessions.allocate(5001, 17, VM, 5000, REMOTE, 53, ADDRESSES, 1000);
        int stamp = sessions.stamp(a);
        int port = sessions.publicPort(a);
        sessions.tick(500);
        assertThat(sessions.touch(a, stamp)).isTrue();
        sessions.tick(2000);
        assertThat(sessions.touch(a, stamp)).as("idle longer than its timeout").isFalse();
        assertThat(sessions.reverse(ADDRESSES[0], 17, port, REMOTE, 53)).isEqualTo(-1);
        int again = sessions.allocate(5001, 17, VM, 5001, REMOTE, 53, ADDRESSES, 1000);
        assertThat(again).isNotNegative();
        assertThat(sessions.touch(a, stamp)).as("the old flow's cached translation is stale").isFalse();
    }

    @Test
    void whenEveryPortIsInUseANewFlowIsRefusedAndCounted() {
        NatSessions sessions = new NatSessions(70_000);
        sessions.tick(0);
        int ports = 65536 - NatSessions.FIRST_PORT;
        for (int k = 0; k < ports; k++) {
            assertThat(sessions.allocate(5001, 6, VM + (k >>> 14), 1024 + (k & 0x3fff), REMOTE, 443, ADDRESSES, IDLE)).isNotNegative();
        }
        assertThat(sessions.allocate(5001, 6, ip("10.1.2.99"), 40000, REMOTE, 443, ADDRESSES, IDLE)).isEqualTo(-1);
        assertThat(sessions.exhausted).isEqualTo(1);
        assertThat(sessions.allocate(5001, 17, ip("10.1.2.99"), 40000, REMOTE, 53, ADDRESSES, IDLE)).as("UDP has its own ports").isNotNegative();
        assertThat(sessions.active()).isEqualTo(ports + 1);
    }
}

package dev.weft.agent.dataplane;

import dev.weft.fastpath.io.TapDevice;
import dev.weft.fastpath.lb.ProbeTable;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.table.Balancer;
import dev.weft.fastpath.table.ForwardingTables;
import java.lang.foreign.MemorySegment;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.trace.Probe;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Health probes of the load balancers' backends that are this host's ports: every probe interval a TCP SYN
 * into the backend's port from its gateway address (through the TAP device, as if the host's router sent it);
 * the {@code lb-probe} node takes the answer. A probe unanswered by the next one counts as failed; a backend is
 * unhealthy after {@code numberOfProbes} failures in a row and healthy again after one success. {@link #health}
 * is what the agent reports: {@code rule|backend} → healthy.
 */
final class Prober {

    private record Target(String rule, String backend, int vni, int ip, String port, Balancer.Probe probe) {
        String key() {
            return rule + "|" + backend;
        }
    }

    private static final class State {
        long due;
        int sourcePort = -1;
        int failures;
    }

    private final Supplier<ForwardingTables> tables;
    private final Function<String, TapDevice> taps;
    private final ProbeTable probes;
    private final Map<String, State> states = new HashMap<>();
    private final ConcurrentHashMap<String, Boolean> health = new ConcurrentHashMap<>();
    private int nextPort = ProbeTable.FIRST_PORT;

    Prober(Supplier<ForwardingTables> tables, Function<String, TapDevice> taps, ProbeTable probes) {
        this.tables = tables;
        this.taps = taps;
        this.probes = probes;
    }

    Map<String, Boolean> health() {
        return Map.copyOf(health);
    }

    /** One round: sends the probes that are due and judges the ones they replace. */
    synchronized void tick(long now) {
        ForwardingTables t = tables.get();
        if (t == null) {
            return;
        }
        Set<String> live = new HashSet<>();
        for (Balancer rule : t.balancersWithProbes()) {
            for (Balancer.Backend backend : rule.backends()) {
                int entry = t.lookup(rule.vni(), backend.ip().value());
                if (entry < 0 || t.entryPort[entry] < 0) {
                    continue; // another host's backend: its host probes it
                }
                Target target = new Target(rule.name(), backend.name(), rule.vni(), backend.ip().value(), t.ports[t.entryPort[entry]].name(), rule.probe());
                live.add(target.key());
                State state = states.computeIfAbsent(target.key(), k -> new State());
                if (now < state.due) {
                    continue;
                }
                if (state.sourcePort >= 0) {
                    Boolean outcome = probes.take(target.vni(), target.ip(), state.sourcePort);
                    if (outcome != null && outcome) {
                        state.failures = 0;
                        health.put(target.key(), true);
                    } else if (++state.failures >= target.probe().count()) {
                        health.put(target.key(), false);
                    }
                }
                state.sourcePort = send(t, entry, target);
                state.due = now + target.probe().intervalSeconds() * 1_000_000_000L;
            }
        }
        states.keySet().retainAll(live);
        health.keySet().retainAll(live);
    }

    /** Sends a SYN to the target from its port's gateway; returns the probe's source port. */
    private int send(ForwardingTables t, int entry, Target target) {
        int port = nextPort;
        nextPort = nextPort == ProbeTable.LAST_PORT ? ProbeTable.FIRST_PORT : nextPort + 1;
        int p = t.entryPort[entry];
        int gateway = t.portGateway[p];
        probes.sent(target.vni(), target.ip(), port, new ProbeTable.Probe(target.probe().http() ? ProbeTable.Kind.HTTP : ProbeTable.Kind.TCP,
                target.probe().path()));
        TapDevice tap = taps.apply(target.port());
        if (tap != null) {
            tap.inject(syn(t.portMac[p], gateway, target.ip(), port, target.probe().port()));
        }
        return port;
    }

    /** A SYN from the gateway (the router's MAC) to the backend: {@link Probe#frame}'s, with its TCP checksum, which a VM verifies. */
    static byte[] syn(long mac, int source, int destination, int sourcePort, int destinationPort) {
        byte[] frame = Probe.frame(ForwardingTables.ROUTER_MAC, mac, source, destination, Probe.Protocol.tcp, sourcePort, destinationPort);
        MemorySegment m = MemorySegment.ofArray(frame);
        Bytes.u16(m, 50, Checksum.finish(Checksum.sum(m, 34, 20) + dev.weft.fastpath.packet.TcpSegments.pseudoHeader(m, 14, 20)));
        return frame;
    }
}

package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import java.util.List;

/**
 * A load-balancing rule as the host of a client programs it: connections to {@code frontend}:{@code frontendPort}
 * over {@code protocol} (6 TCP, 17 UDP) in VNI {@code vni} go to a backend's {@code backendPort}, chosen by Maglev
 * consistent hashing of the 5-tuple (or of the client's address alone, {@code sourceIp}) over the healthy backends;
 * a connection keeps its backend while it is used within {@code idleTimeoutSeconds}. {@code probe}: null for none.
 * {@code mux}: 0 for a private frontend (in VNI {@code vni}); for a public one the underlay address of the Gateway host
 * that answers for it on its uplink and picks the backends (in VNI {@code vni}, their network). {@code floatingIp}: direct
 * server return, the frontend's address is not translated (the backend holds it and answers from it).
 */
public record Balancer(String name, int vni, Ipv4 frontend, int protocol, int frontendPort, int backendPort, boolean sourceIp,
                       int idleTimeoutSeconds, List<Backend> backends, Probe probe, int mux, boolean floatingIp) {

    /** A backend: its stable name (what the Maglev table is built from), its address, and whether it is in the table (healthy). */
    public record Backend(String name, Ipv4 ip, boolean healthy) {
        public Backend(String name, Ipv4 ip) {
            this(name, ip, true);
        }
    }

    /**
     * How the hosts of the backends check them: a TCP connection to {@code port}, or an HTTP GET of {@code path}
     * answered 200; every {@code intervalSeconds}, out after {@code count} failures in a row.
     */
    public record Probe(boolean http, int port, String path, int intervalSeconds, int count) {
    }

    public Balancer {
        backends = List.copyOf(backends);
    }

    /** A rule without a probe: every backend healthy. */
    public Balancer(String name, int vni, Ipv4 frontend, int protocol, int frontendPort, int backendPort, boolean sourceIp, int idleTimeoutSeconds,
                    List<Backend> backends) {
        this(name, vni, frontend, protocol, frontendPort, backendPort, sourceIp, idleTimeoutSeconds, backends, null, 0, false);
    }

    /** Whether the frontend is a public address, served on the uplink of the Gateway host at {@code mux}. */
    public boolean isPublic() {
        return mux != 0;
    }
}

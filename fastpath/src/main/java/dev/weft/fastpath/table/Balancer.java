package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import java.util.List;

/**
 * A load-balancing rule as the host of a client programs it: connections to {@code frontend}:{@code frontendPort}
 * over {@code protocol} (6 TCP, 17 UDP) in VNI {@code vni} go to a backend's {@code backendPort}, chosen by Maglev
 * consistent hashing of the 5-tuple (or of the client's address alone, {@code sourceIp}); a connection keeps its
 * backend while it is used within {@code idleTimeoutSeconds}.
 */
public record Balancer(String name, int vni, Ipv4 frontend, int protocol, int frontendPort, int backendPort, boolean sourceIp,
                       int idleTimeoutSeconds, List<Backend> backends) {

    /** A backend: its stable name (what the Maglev table is built from) and its address. */
    public record Backend(String name, Ipv4 ip) {
    }

    public Balancer {
        backends = List.copyOf(backends);
    }
}

package dev.weft.contract;

import dev.weft.net.Ipv4;
import java.util.List;
import java.util.Objects;

/**
 * A load balancer's rules as the hosts of its clients program them (the client's host picks the backend,
 * as VFP does): per rule the frontend (VNI, address, protocol, port), the backends (stable name and address) and
 * their port, and how flows are spread. Key: {@code namespace/name}.
 */
public record LoadBalancerSpec(String namespace, String name, List<Rule> rules) implements Spec {

    public enum Protocol { Tcp, Udp }

    /**
     * @param sourceIp    spread by the client's address alone (SourceIP), not by the 5-tuple
     * @param idleTimeoutMinutes how long an idle connection keeps its backend
     * @param probe       the rule's health probe, if it has one
     * @param mux         for a public frontend ({@code frontend} is then its public address): the underlay address of the
     *                    Gateway host that serves it on its uplink; its backends' replies go back through it
     * @param floatingIp  direct server return: the backend gets the packet with the frontend's address (which it holds
     *                    itself) and answers from it directly, from its own host (a public frontend's by its host's uplink)
     */
    public record Rule(String name, int vni, Ipv4 frontend, Protocol protocol, int frontendPort, int backendPort, boolean sourceIp,
                       int idleTimeoutMinutes, List<Backend> backends, java.util.Optional<Probe> probe,
                       java.util.Optional<Ipv4> mux, boolean floatingIp) {
        public Rule {
            Require.name("name", name);
            Require.vni(vni);
            Objects.requireNonNull(frontend, "frontend");
            Objects.requireNonNull(protocol, "protocol");
            if (frontendPort < 1 || frontendPort > 65535 || backendPort < 1 || backendPort > 65535) {
                throw new IllegalArgumentException("ports are 1 to 65535");
            }
            backends = List.copyOf(backends);
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(mux, "mux");
        }
    }

    /**
     * A backend: its interface's {@code namespace/name} (what consistent hashing knows it by), its address, and
     * whether the reconciler last heard it is healthy (only healthy backends get new connections).
     */
    public record Backend(String name, Ipv4 ip, boolean healthy) {
        public Backend {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(ip, "ip");
        }
    }

    public enum ProbeProtocol { Tcp, Http }

    /** A rule's health probe: the backends' hosts check them every {@code intervalInSeconds}; {@code requestPath} for Http ("/" by default). */
    public record Probe(ProbeProtocol protocol, int port, String requestPath, int intervalInSeconds, int numberOfProbes) {
        public Probe {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(requestPath, "requestPath");
            Objects.requireNonNull(requestPath, "requestPath");
            if (port < 1 || port > 65535 || intervalInSeconds < 1 || numberOfProbes < 1) {
                throw new IllegalArgumentException("probe port 1 to 65535, interval and count at least 1");
            }
        }
    }

    public LoadBalancerSpec {
        Require.name("namespace", namespace);
        Require.name("name", name);
        rules = List.copyOf(rules);
    }

    @Override
    public ObjectKind kind() {
        return ObjectKind.LoadBalancer;
    }

    @Override
    public String key() {
        return namespace + "/" + name;
    }
}

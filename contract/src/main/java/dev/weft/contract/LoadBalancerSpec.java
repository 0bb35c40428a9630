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
     */
    public record Rule(String name, int vni, Ipv4 frontend, Protocol protocol, int frontendPort, int backendPort, boolean sourceIp,
                       int idleTimeoutMinutes, List<Backend> backends) {
        public Rule {
            Require.name("name", name);
            Require.vni(vni);
            Objects.requireNonNull(frontend, "frontend");
            Objects.requireNonNull(protocol, "protocol");
            if (frontendPort < 1 || frontendPort > 65535 || backendPort < 1 || backendPort > 65535) {
                throw new IllegalArgumentException("ports are 1 to 65535");
            }
            backends = List.copyOf(backends);
        }
    }

    /** A backend: its interface's {@code namespace/name} (what consistent hashing knows it by) and address. */
    public record Backend(String name, Ipv4 ip) {
        public Backend {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(ip, "ip");
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

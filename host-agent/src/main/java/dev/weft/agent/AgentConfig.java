package dev.weft.agent;

import dev.weft.agent.dataplane.PacketConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to run a host agent.
 *
 * @param host          the Host's name in the manifests
 * @param listenAddress address to bind; plain HTTP only on a loopback address
 * @param port          port to bind; 0 picks a free one
 * @param stateDir      where the agent persists its objects
 * @param resetState    start empty when the state file is corrupt (the reconciler programs the host again)
 * @param token         bearer token every request but /healthz must carry, if set
 * @param tls           server certificate and key (PEM), and the CA that client certificates must chain to (mTLS)
 */
public record AgentConfig(String host, String listenAddress, int port, Path stateDir, boolean resetState, Optional<String> token,
                          Optional<Tls> tls, Optional<PacketConfig> packets) {


    public AgentConfig(String host, String listenAddress, int port, Path stateDir, boolean resetState, Optional<String> token,
                       Optional<Tls> tls) {
        this(host, listenAddress, port, stateDir, resetState, token, tls, Optional.empty());
    }

    /** PEM files for TLS; {@code clientCa} set means clients must present a certificate it signed. */
    public record Tls(Path certificate, Path key, Optional<Path> clientCa) {
    }

    public static AgentConfig loopback(String host, int port, Path stateDir) {
        return new AgentConfig(host, "127.0.0.1", port, stateDir, false, Optional.empty(), Optional.empty());
    }
}

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
 * @param packets       real packet I/O, if the agent serves packets
 * @param underlay      the host's provider address when it serves no packets (with {@code packets}, theirs counts): what a
 *                      trace through its tables takes as this host's own (the outer source of what it encapsulates, whether a
 *                      NAT gateway is served here); unknown (0) when empty
 */
public record AgentConfig(String host, String listenAddress, int port, Path stateDir, boolean resetState, Optional<String> token,
                          Optional<Tls> tls, Optional<PacketConfig> packets, Optional<dev.weft.net.Ipv4> underlay) {

    public AgentConfig(String host, String listenAddress, int port, Path stateDir, boolean resetState, Optional<String> token,
                       Optional<Tls> tls, Optional<PacketConfig> packets) {
        this(host, listenAddress, port, stateDir, resetState, token, tls, packets, Optional.empty());
    }

    /** This configuration for a host with provider address {@code address} that serves no packets. */
    public AgentConfig withUnderlay(dev.weft.net.Ipv4 address) {
        return new AgentConfig(host, listenAddress, port, stateDir, resetState, token, tls, packets, Optional.of(address));
    }

    /** The host's provider address: its packet I/O's, else {@link #underlay}, else 0. */
    public dev.weft.net.Ipv4 underlayAddress() {
        return packets.map(PacketConfig::underlay).or(() -> underlay).orElse(new dev.weft.net.Ipv4(0));
    }


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

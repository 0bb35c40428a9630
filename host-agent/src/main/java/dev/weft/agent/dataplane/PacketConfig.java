package dev.weft.agent.dataplane;

import dev.weft.net.Ipv4;
import java.util.Optional;

/**
 * Real packet I/O: TAP ports and the VXLAN/NVGRE underlay, served by worker threads.
 *
 * @param underlay  this host's provider address: the underlay socket binds it and encapsulation uses it as source
 * @param namespace the network namespace the TAP devices and sockets live in (empty: the agent's own)
 * @param workers   how many worker threads
 * @param underlayMtu the MTU of the host's underlay link: DHCP offers VMs this less the encapsulation's overhead (at most 1,500)
 * @param vhostUser  when present, VM ports are vhost-user sockets in this directory (one per port, named
 *                   {@code <tenant>_<nic>.sock}) instead of TAP devices
 * @param busyPollMicros how long a worker keeps looking at its devices without sleeping after they last had something
 *                   (0: it sleeps at once); see {@link dev.weft.fastpath.io.Worker#busyPoll}; by default 200 µs with TAP ports, 0 with vhost-user ports
 */
public record PacketConfig(Ipv4 underlay, Optional<String> namespace, int workers, int underlayMtu, Optional<java.nio.file.Path> vhostUser,
        long busyPollMicros) {

    public PacketConfig {
        checkBusyPoll(busyPollMicros);
    }

    /** Refuses a busy-poll time below 0, naming the option: an IllegalArgumentException says why. */
    public static void checkBusyPoll(long micros) {
        if (micros < 0) {
            throw new IllegalArgumentException("--busy-poll must be 0 or more microseconds, not " + micros);
        }
    }

    public PacketConfig(Ipv4 underlay, Optional<String> namespace, int workers, int underlayMtu, Optional<java.nio.file.Path> vhostUser) {
        this(underlay, namespace, workers, underlayMtu, vhostUser, defaultBusyPoll(vhostUser));
    }

    /**
     * The busy-poll time of a host not told otherwise: {@link dev.weft.fastpath.io.Worker#BUSY_POLL_MICROS} with TAP ports,
     * 0 with vhost-user ports, whose workers poll their guests' rings while the guests send anyway; polling the underlay
     * too cost them a third of their 64-byte frames on two shared cores (BENCHMARKS.md), where it gains TAP ports a fifth.
     */
    private static long defaultBusyPoll(Optional<java.nio.file.Path> vhostUser) {
        return vhostUser.isPresent() ? 0 : dev.weft.fastpath.io.Worker.BUSY_POLL_MICROS;
    }

    /** This configuration with workers that busy-poll {@code micros} ({@code null}: the default for its kind of port). */
    public PacketConfig withBusyPoll(Long micros) {
        return micros == null ? this : new PacketConfig(underlay, namespace, workers, underlayMtu, vhostUser, micros);
    }

    public PacketConfig(Ipv4 underlay, Optional<String> namespace, int workers, int underlayMtu) {
        this(underlay, namespace, workers, underlayMtu, Optional.empty());
    }

    public PacketConfig(Ipv4 underlay, Optional<String> namespace, int workers) {
        this(underlay, namespace, workers, 1500);
    }

    /** The vhost-user socket of port {@code key} ({@code tenant/nic}) in directory {@code dir}: {@code <tenant>_<nic>.sock}. */
    public static java.nio.file.Path vhostSocket(java.nio.file.Path dir, String key) {
        return dir.resolve(key.replace('/', '_') + ".sock");
    }
}

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
 */
public record PacketConfig(Ipv4 underlay, Optional<String> namespace, int workers, int underlayMtu) {

    public PacketConfig(Ipv4 underlay, Optional<String> namespace, int workers) {
        this(underlay, namespace, workers, 1500);
    }
}

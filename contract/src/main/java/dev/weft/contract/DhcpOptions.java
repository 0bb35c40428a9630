package dev.weft.contract;

import dev.weft.net.Ipv4;
import java.util.List;

/**
 * What the host's DHCP service offers a port besides its own address, gateway and prefix: the DNS domain
 * (also the search list) and DNS servers. The MTU offered is the host's to decide (its underlay).
 */
public record DhcpOptions(String domain, List<Ipv4> dnsServers) {

    public DhcpOptions {
        Require.name("domain", domain);
        dnsServers = List.copyOf(dnsServers);
    }

    /** The options of a port of {@code network} ({@code namespace/name}): its domain, no DNS servers. */
    public static DhcpOptions of(String network) {
        String[] parts = network.split("/", 2);
        return new DhcpOptions(parts.length == 2 ? NetworkSpec.domain(parts[0], parts[1]) : network + ".internal", List.of());
    }
}

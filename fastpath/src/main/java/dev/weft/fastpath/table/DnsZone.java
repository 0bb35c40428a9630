package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One virtual network's DNS zone, {@code <network>.<tenant>.internal}: an A record per named interface
 * ({@code <nic>.<zone>}) and its PTR record. Built with the tables, then only read.
 */
public final class DnsZone {

    private final String zone;
    private final Map<String, Integer> addresses = new HashMap<>();
    private final Map<Integer, String> names = new HashMap<>();
    private final List<Ipv4Prefix> space;

    DnsZone(String zone, List<Ipv4Prefix> space) {
        this.zone = zone.toLowerCase(Locale.ROOT);
        this.space = space;
    }

    void add(String nic, Ipv4 ip) {
        String name = nic.toLowerCase(Locale.ROOT) + "." + zone;
        addresses.put(name, ip.value());
        names.put(ip.value(), name);
    }

    /** Whether {@code name} (lower case, no trailing dot) is the zone or a name in it. */
    public boolean contains(String name) {
        return name.equals(zone) || name.endsWith("." + zone);
    }

    /** The address of {@code name}, or null. */
    public Integer address(String name) {
        return addresses.get(name);
    }

    /** The name of {@code ip}, or null. */
    public String name(int ip) {
        return names.get(ip);
    }

    /** Whether {@code ip} lies in the network's address space, so its reverse name is this zone's to answer. */
    public boolean inSpace(int ip) {
        return space.stream().anyMatch(p -> p.contains(new Ipv4(ip)));
    }
}

package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.Objects;

/**
 * A route of a subnet's route table: packets to {@code prefix} go to {@code nextHop}. User routes come from the subnet's
 * RouteTable ({@code name} is {@code <table>/<route>}); system routes ({@code user} false) are the network's own address
 * space, its peers' and the internet, which forward as they would without a table. {@code applianceIp}: the next hop of a
 * {@link NextHop#VIRTUAL_APPLIANCE} route, else 0.
 */
public record Route(String name, Ipv4Prefix prefix, NextHop nextHop, int applianceIp, boolean user) {

    /** Where a route sends what it matches. */
    public enum NextHop {
        /** To a NIC of the network (the appliance), the packet's addresses unchanged. */
        VIRTUAL_APPLIANCE("VirtualAppliance"),
        /** Within the network, as without a route table. */
        VNET_LOCAL("VnetLocal"),
        /** A peered network's address space (system routes only). */
        VNET_PEERING("VNetPeering"),
        /** Out of the network: by the NIC's public address or its subnet's NAT gateway. */
        INTERNET("Internet"),
        /** Dropped, counted as {@code ROUTE_NONE}. */
        NONE("None");

        public final String manifestName;

        NextHop(String manifestName) {
            this.manifestName = manifestName;
        }
    }

    public Route {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(nextHop, "nextHop");
    }

    /** A user route. */
    public static Route user(String name, Ipv4Prefix prefix, NextHop nextHop, Ipv4 appliance) {
        return new Route(name, prefix, nextHop, appliance == null ? 0 : appliance.value(), true);
    }

    /** A system route. */
    public static Route system(Ipv4Prefix prefix, NextHop nextHop) {
        return new Route("system", prefix, nextHop, 0, false);
    }

    /** How {@code weft trace} names it: {@code route via-fw/web-through-fw 10.1.1.0/24 → VirtualAppliance 10.1.3.4}. */
    public String describe() {
        return (user ? "route " + name : "system route") + " " + prefix + " → " + nextHop.manifestName
                + (nextHop == NextHop.VIRTUAL_APPLIANCE ? " " + new Ipv4(applianceIp) : "");
    }
}

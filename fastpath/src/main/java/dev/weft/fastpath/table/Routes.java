package dev.weft.fastpath.table;

import dev.weft.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A subnet's routes for longest-prefix match, as Azure matches them: its route table's user routes together with the
 * system routes (the network's address space, its peers', and {@code 0.0.0.0/0} to the internet); the longest prefix
 * decides, a user route before a system route of the same length. Kept longest prefix first, so the first route that
 * matches decides: {@link #lookup} compares one address with as many routes at once as the CPU's vectors hold.
 * Immutable.
 */
public final class Routes {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private final Route[] routes;
    /** Each route's network address and mask, padded to whole vectors with routes that match nothing. */
    private final int[] network;
    private final int[] mask;

    private Routes(List<Route> sorted) {
        routes = sorted.toArray(Route[]::new);
        int padded = (routes.length + INTS.length() - 1) / INTS.length() * INTS.length();
        network = new int[padded];
        mask = new int[padded];
        for (int r = 0; r < padded; r++) {
            network[r] = r < routes.length ? routes[r].prefix().networkAddress().value() : 1; // (ip & 0) is never 1
            mask[r] = r < routes.length ? routes[r].prefix().mask() : 0;
        }
    }

    /**
     * The routes of a subnet with user routes {@code user} in a network with address space {@code addressSpace} and peered
     * address spaces {@code peered}.
     */
    public static Routes of(List<Route> user, List<Ipv4Prefix> addressSpace, List<Ipv4Prefix> peered) {
        List<Route> all = new ArrayList<>(user);
        addressSpace.forEach(p -> all.add(Route.system(p, Route.NextHop.VNET_LOCAL)));
        peered.forEach(p -> all.add(Route.system(p, Route.NextHop.VNET_PEERING)));
        all.add(Route.system(Ipv4Prefix.parse("0.0.0.0/0"), Route.NextHop.INTERNET));
        all.sort(Comparator.comparingInt((Route r) -> -r.prefix().length()).thenComparing(r -> !r.user()));
        return new Routes(all);
    }

    /** The index of the route that decides where a packet to {@code ip} goes (there always is one: 0.0.0.0/0). */
    public int lookup(int ip) {
        IntVector address = IntVector.broadcast(INTS, ip);
        for (int r = 0; r < network.length; r += INTS.length()) {
            VectorMask<Integer> hit = address.and(IntVector.fromArray(INTS, mask, r)).compare(VectorOperators.EQ, IntVector.fromArray(INTS, network, r));
            if (hit.anyTrue()) {
                return r + hit.firstTrue();
            }
        }
        return routes.length - 1;
    }

    /** {@link #lookup}, one route at a time: the baseline the vector form is measured against. */
    public int lookupScalar(int ip) {
        for (int r = 0; r < routes.length; r++) {
            if ((ip & mask[r]) == network[r]) {
                return r;
            }
        }
        return routes.length - 1;
    }

    public Route route(int index) {
        return routes[index];
    }

    public int size() {
        return routes.length;
    }
}

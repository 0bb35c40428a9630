package dev.weft.reconcile;

import java.time.Instant;
import java.util.List;

/**
 * What the reconciler reports: the revision it programs, the last revision it refused (with why), and
 * every host's status. Immutable; replaced after every loop.
 *
 * @param revision        the last valid revision, which the hosts are programmed with; empty before the first
 * @param invalidRevision a newer revision that failed validation and was not applied, or empty
 * @param errors          that revision's validation errors, or why the repository couldn't be read
 * @param lastLoop        when the last loop finished
 * @param natGateways     the Gateway host serving each NAT gateway ({@code namespace/name})
 * @param muxes           the Gateway host serving each load balancer with a public frontend (its MUX; {@code namespace/name})
 * @param peerings        every virtual network peering ({@code namespace/name}): Connected or Initiated
 * @param backends        every probed load-balancer backend ({@code namespace/loadBalancer/rule|namespace/nic}) and whether it is healthy
 */
public record ReconcilerStatus(String branch, long epoch, String revision, String invalidRevision, List<String> errors,
                               Instant lastLoop, List<HostStatus> hosts, java.util.SortedMap<String, String> natGateways,
                               java.util.SortedMap<String, Boolean> backends, java.util.SortedMap<String, String> peerings,
                               java.util.SortedMap<String, String> muxes) {

    public ReconcilerStatus {
        errors = List.copyOf(errors);
        hosts = List.copyOf(hosts);
        natGateways = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(natGateways));
        backends = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(backends));
        peerings = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(peerings));
        muxes = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(muxes));
    }

    public ReconcilerStatus(String branch, long epoch, String revision, String invalidRevision, List<String> errors, Instant lastLoop,
                            List<HostStatus> hosts) {
        this(branch, epoch, revision, invalidRevision, errors, lastLoop, hosts, new java.util.TreeMap<>(), new java.util.TreeMap<>(), new java.util.TreeMap<>(),
                new java.util.TreeMap<>());
    }

    public boolean allSynced() {
        return !hosts.isEmpty() && hosts.stream().allMatch(h -> h.state() == SyncState.Synced);
    }
}

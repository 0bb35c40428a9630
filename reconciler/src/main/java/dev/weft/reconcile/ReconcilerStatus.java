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
 */
public record ReconcilerStatus(String branch, long epoch, String revision, String invalidRevision, List<String> errors,
                               Instant lastLoop, List<HostStatus> hosts) {

    public ReconcilerStatus {
        errors = List.copyOf(errors);
        hosts = List.copyOf(hosts);
    }

    public boolean allSynced() {
        return !hosts.isEmpty() && hosts.stream().allMatch(h -> h.state() == SyncState.Synced);
    }
}

package dev.weft.reconcile;

import java.time.Instant;

/**
 * One host's status as the reconciler last saw it.
 *
 * @param revision  the revision the host was last synced to, or empty
 * @param ops       operations sent in the last sync (0 when it was already in sync)
 * @param lastError the reason of the last failure, or empty
 * @param lastSync  when the host was last seen Synced, or null
 * @param version   the build of Weft the host's agent runs ({@code BuildInfo.id()}), or empty when not known yet
 */
public record HostStatus(String host, String endpoint, SyncState state, String revision, int ops, String lastError, Instant lastSync,
                         String version) {

    public HostStatus(String host, String endpoint, SyncState state, String revision, int ops, String lastError, Instant lastSync) {
        this(host, endpoint, state, revision, ops, lastError, lastSync, "");
    }

    /** This status, with {@code version} where it knows none. */
    public HostStatus orVersion(String version) {
        return this.version.isEmpty() ? new HostStatus(host, endpoint, state, revision, ops, lastError, lastSync, version) : this;
    }
}

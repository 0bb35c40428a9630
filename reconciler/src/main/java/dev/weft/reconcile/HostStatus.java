package dev.weft.reconcile;

import java.time.Instant;

/**
 * One host's status as the reconciler last saw it.
 *
 * @param revision  the revision the host was last synced to, or empty
 * @param ops       operations sent in the last sync (0 when it was already in sync)
 * @param lastError the reason of the last failure, or empty
 * @param lastSync  when the host was last seen Synced, or null
 */
public record HostStatus(String host, String endpoint, SyncState state, String revision, int ops, String lastError, Instant lastSync) {
}

package dev.weft.reconcile;

/** A host's sync state, after Network Controller's configurationState. */
public enum SyncState {
    /** The agent holds exactly the desired programming. */
    Synced,
    /** The agent differs from the desired programming and hasn't been programmed yet. */
    OutOfSync,
    /** The agent refused the programming or failed applying it; the reason is in lastError. */
    Failed,
    /** The agent could not be reached. */
    Unreachable
}

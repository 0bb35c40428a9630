package dev.weft.contract;

import java.util.List;

/**
 * Operations applied together, atomically: all or none.
 *
 * @param epoch      the sender's epoch; a batch from an epoch lower than the highest the agent has seen is refused
 * @param revision   the Git revision the operations come from, recorded by the agent
 * @param baseDigest the digest the sender planned against; null to skip the check
 */
public record Batch(long epoch, String revision, String baseDigest, List<Op> ops) {

    public Batch {
        revision = revision == null ? "" : revision;
        ops = List.copyOf(ops);
    }
}

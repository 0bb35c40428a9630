package dev.weft.reconcile;

import dev.weft.contract.client.AgentClient;
import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import dev.weft.contract.AgentState;
import dev.weft.contract.Batch;
import dev.weft.contract.Op;
import dev.weft.plan.Action;
import dev.weft.plan.Differ;
import dev.weft.plan.HostChange;
import java.io.IOException;
import java.time.Instant;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Brings one host's agent to its desired programming: one digest request; only when the digest differs,
 * a full state fetch, a diff, and one batch fenced by epoch and base digest. Retries with backoff on
 * conflicts and transport errors; a refusal (stale epoch, invalid op) is final.
 */
public final class HostSync {

    private HostSync() {
    }

    /** The desired side of one host; its objects are assembled only if the agent's digest differs. */
    public record Desired(String host, Supplier<NavigableMap<ObjectKey, HostObject>> objects, Digest digest) {
    }

    /**
     * @param known the agent's digest if a watch already reported it: when it is the desired one, the host
     *              is in sync and nothing is sent, not even a digest request
     */
    public static HostStatus sync(AgentClient client, Desired desired, long epoch, String revision, RetryPolicy retry,
                                  Optional<Digest> known) {
        String endpoint = client.base().toString();
        if (known.isPresent() && known.get().equals(desired.digest())) {
            return new HostStatus(desired.host(), endpoint, SyncState.Synced, revision, 0, "", Instant.now());
        }
        String lastError = "";
        for (int attempt = 0; attempt < retry.attempts(); attempt++) {
            if (attempt > 0) {
                sleep(retry, attempt);
            }
            try {
                AgentClient.Summary summary = client.summary();
                if (summary.digest().equals(desired.digest())) {
                    return new HostStatus(desired.host(), endpoint, SyncState.Synced, revision, 0, "", Instant.now(), summary.version());
                }
                AgentState live = client.state();
                HostChange change = Differ.host(desired.host(), live.objects(), live.digest(), desired.objects().get(), desired.digest());
                if (change == null) {
                    return new HostStatus(desired.host(), endpoint, SyncState.Synced, revision, 0, "", Instant.now(), summary.version());
                }
                Batch batch = new Batch(epoch, revision, live.digest().toString(), change.objects().stream()
                        .map(o -> o.action() == Action.remove ? Op.delete(o.id()) : Op.upsert(o.after())).toList());
                AgentClient.ApplyResponse response = client.apply(batch);
                if (response.ok()) {
                    return new HostStatus(desired.host(), endpoint, SyncState.Synced, revision, batch.ops().size(), "", Instant.now(), summary.version());
                }
                lastError = "HTTP " + response.status() + " " + response.error() + ": " + response.message();
                if (response.status() == 412 || response.status() == 422 || response.status() == 400 || response.status() == 401) {
                    return new HostStatus(desired.host(), endpoint, SyncState.Failed, "", 0, lastError, null);
                }
                // 409: the agent changed since we fetched it; 5xx: try again
            } catch (AgentClient.UnreachableException e) {
                lastError = e.getMessage();
                if (attempt == retry.attempts() - 1) {
                    return new HostStatus(desired.host(), endpoint, SyncState.Unreachable, "", 0, lastError, null);
                }
            } catch (IOException | RuntimeException e) {
                lastError = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new HostStatus(desired.host(), endpoint, SyncState.Failed, "", 0, "interrupted", null);
            }
        }
        return new HostStatus(desired.host(), endpoint, SyncState.Failed, "", 0, lastError, null);
    }

    private static void sleep(RetryPolicy retry, int attempt) {
        try {
            Thread.sleep(retry.backoff(attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

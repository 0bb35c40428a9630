package dev.weft.agent.store;

import dev.weft.contract.AgentState;
import dev.weft.contract.ApiError;
import dev.weft.contract.Batch;
import dev.weft.contract.ContractException;
import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import dev.weft.contract.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A host agent's objects: applies batches atomically and idempotently, fenced by epoch and base
 * digest, and restores the last state on start. A batch is all or nothing across the data plane and
 * the disk: the new state is programmed first (if the data plane refuses it, nothing changes), then
 * persisted (if that fails, the data plane is programmed back to the old state), and only then visible.
 */
public final class ObjectStore {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ObjectStore.class);

    /** What applying a batch did. */
    public record Result(AgentState state, boolean changed) {
    }

    private final Path dir;
    private final Consumer<AgentState> onChange;
    private volatile Consumer<AgentState> onCommit = s -> { };
    private volatile AgentState state;

    private ObjectStore(Path dir, AgentState state, Consumer<AgentState> onChange) {
        this.dir = dir;
        this.state = state;
        this.onChange = onChange;
    }

    /**
     * Opens the store in {@code dir}, restoring its saved state. A corrupt state file is an error unless
     * {@code resetCorrupt}, which starts empty instead (the corrupt file is kept aside as state.json.corrupt).
     *
     * @param onChange programs the data plane with every new state, including the restored one, before it is
     *                 persisted and served; a {@link RuntimeException} from it refuses the state
     */
    public static ObjectStore open(String host, Path dir, boolean resetCorrupt, Consumer<AgentState> onChange) throws StoreException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create state directory " + dir + ": " + e.getMessage(), e);
        }
        AgentState restored;
        try {
            restored = StateFile.read(dir, host);
        } catch (StoreException e) {
            if (!resetCorrupt) {
                throw e;
            }
            try {
                Files.move(dir.resolve(StateFile.NAME), dir.resolve(StateFile.NAME + ".corrupt"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                throw new StoreException("cannot move the corrupt state file aside: " + moveFailed.getMessage(), moveFailed);
            }
            restored = null;
        }
        AgentState initial = restored != null ? restored
                : new AgentState(host, 0, "", Digest.ZERO, Collections.unmodifiableNavigableMap(new TreeMap<>()));
        onChange.accept(initial);
        return new ObjectStore(dir, initial, onChange);
    }

    public AgentState state() {
        return state;
    }

    /**
     * The highest epoch a reconciler can hold: reconcilers take the Unix time in seconds (or one more than
     * their last), so anything beyond now plus a day of clock skew is refused.
     */
    static long maxEpoch() {
        return System.currentTimeMillis() / 1000 + 86_400;
    }

    /** Called with every new state once it is programmed, persisted and visible. */
    public void onCommit(Consumer<AgentState> listener) {
        this.onCommit = listener;
    }

    /**
     * Applies a batch whole or not at all. Refused with 412 when its epoch is below the highest seen, 409
     * when its base digest isn't the current one; in every case nothing changes. (Malformed ops never get this far:
     * the contract refuses them when it reads the batch.)
     */
    public synchronized Result apply(Batch batch) throws ContractException, IOException {
        AgentState current = state;
        long bound = maxEpoch();
        if (batch.epoch() > bound) {
            throw new ContractException(ApiError.INVALID, "epoch: " + batch.epoch() + " is beyond any reconciler's (at most " + bound
                    + ": the current Unix time in seconds plus a day); accepting it would fence out every reconciler");
        }
        if (batch.epoch() < current.epoch()) {
            throw new ContractException(ApiError.STALE_EPOCH, "epoch " + batch.epoch() + " is older than " + current.epoch()
                    + ", the highest this agent has accepted: a newer reconciler owns this host");
        }
        if (batch.baseDigest() != null && !batch.baseDigest().equals(current.digest().toString())) {
            throw new ContractException(ApiError.BASE_DIGEST_MISMATCH, "base digest " + batch.baseDigest() + " is not the agent's digest "
                    + current.digest() + ": its state changed since the plan; fetch it and plan again");
        }
        NavigableMap<ObjectKey, HostObject> objects = new TreeMap<>(current.objects());
        Digest digest = current.digest();
        for (int i = 0; i < batch.ops().size(); i++) {
            Op op = batch.ops().get(i);
            HostObject previous;
            if (op.type() == Op.Type.upsert) {
                HostObject object = op.object();
                previous = objects.put(object.id(), object);
                digest = digest.plus(object.digest());
            } else {
                previous = objects.remove(op.id());
            }
            if (previous != null) {
                digest = digest.minus(previous.digest());
            }
        }
        boolean changed = !digest.equals(current.digest()) || batch.epoch() != current.epoch()
                || !batch.revision().equals(current.revision());
        if (!changed) {
            return new Result(current, false);
        }
        AgentState next = new AgentState(current.host(), batch.epoch(), batch.revision(), digest, Collections.unmodifiableNavigableMap(objects));
        try {
            onChange.accept(next); // the data plane first: if it can't take the state, nothing of the batch is applied
        } catch (RuntimeException e) {
            log.error("the data plane refused revision {}; nothing of the batch applied", batch.revision(), e);
            throw new ContractException(ApiError.INTERNAL, "the data plane refused the batch, nothing of it was applied: " + e.getMessage());
        }
        try {
            StateFile.write(dir, next); // durable before visible: a crash after this line restores next
        } catch (IOException e) {
            try {
                onChange.accept(current); // back to what is on disk and served
            } catch (RuntimeException rollback) {
                log.error("cannot program the data plane back to revision {} after failing to persist {}", current.revision(), batch.revision(), rollback);
            }
            throw e;
        }
        state = next;
        onCommit.accept(next);
        return new Result(next, !digest.equals(current.digest()));
    }
}

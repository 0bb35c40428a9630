package dev.weft.agent.store;

/** A refused batch, with the HTTP status that says why: 409 base digest, 412 stale epoch, 422 invalid op. */
public class ApplyException extends Exception {

    public static final int CONFLICT = 409;
    public static final int STALE_EPOCH = 412;
    public static final int INVALID = 422;

    private final int status;

    public ApplyException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}

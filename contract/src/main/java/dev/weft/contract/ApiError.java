package dev.weft.contract;

/** Why the agent API refused a request; each maps to one HTTP status, and the body carries the name as {@code code}. */
public enum ApiError {
    /** The body is not JSON, or not the object the endpoint takes. */
    BAD_REQUEST(400),
    /** No valid bearer token. */
    UNAUTHORIZED(401),
    /** The batch's base digest is not the agent's digest: its state changed since the plan. */
    BASE_DIGEST_MISMATCH(409),
    /** The batch's epoch is below the highest the agent accepted: a newer reconciler owns the host. */
    STALE_EPOCH(412),
    /** An op or object is malformed; the message names the field. Nothing of the batch was applied. */
    INVALID(422),
    /** The agent failed while applying (e.g. its disk); nothing of the batch was applied. */
    INTERNAL(500);

    private final int status;

    ApiError(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** The error an HTTP status means, for a client that gets no code in the body. */
    public static ApiError ofStatus(int status) {
        for (ApiError e : values()) {
            if (e.status == status) {
                return e;
            }
        }
        return status >= 500 ? INTERNAL : BAD_REQUEST;
    }
}

package dev.weft.contract;

/** A request the agent API refuses, with the {@link ApiError} that says why (and maps to an HTTP status). */
public class ContractException extends Exception {

    private final ApiError error;

    public ContractException(ApiError error, String message) {
        super(message);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}

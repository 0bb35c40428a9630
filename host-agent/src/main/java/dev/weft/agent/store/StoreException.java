package dev.weft.agent.store;

/** The agent's state file can't be read or written; the message says which file and why. */
public class StoreException extends Exception {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.weft.source;

/**
 * The repository or revision can't be read; the message says why in words a user can act on, with any
 * credentials in URLs taken out (it is printed, logged and served in {@code /v1/status}).
 */
public class SourceException extends Exception {

    public SourceException(String message) {
        super(Redact.secrets(message));
    }

    public SourceException(String message, Throwable cause) {
        super(Redact.secrets(message), cause);
    }
}

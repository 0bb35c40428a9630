package dev.weft.source;

/** The repository or revision can't be read; the message says why in words a user can act on. */
public class SourceException extends Exception {

    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}

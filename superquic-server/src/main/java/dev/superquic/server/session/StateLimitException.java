package dev.superquic.server.session;

/**
 * A put would take a session's state past its limits (number of keys, or characters of keys and
 * values together); the state is unchanged. Services answer it with {@code LIMIT_EXCEEDED}.
 */
public class StateLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the limit. */
    public StateLimitException(String message) {
        super(message);
    }
}

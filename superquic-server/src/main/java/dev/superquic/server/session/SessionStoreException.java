package dev.superquic.server.session;

/**
 * A session store could not do what was asked: its database or server failed, or (at start-up)
 * its data directory cannot be used. The message names the store's location.
 */
public class SessionStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public SessionStoreException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public SessionStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

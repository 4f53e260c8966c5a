package dev.superquic.server.session;

/** The session no longer exists (it expired); its state is gone. */
public class SessionGoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception for a session id. */
    public SessionGoneException(String sessionId) {
        super("session " + sessionId + " no longer exists");
    }

    /** Creates the exception with its own message (for subclasses). */
    protected SessionGoneException(String sessionId, String message) {
        super(message);
    }
}

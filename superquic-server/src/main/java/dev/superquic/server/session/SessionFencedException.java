package dev.superquic.server.session;

/**
 * A write came from an owner whose generation is no longer the session's: another connection (on
 * this node or another) took the session over since. Nothing was changed. The writer's connection
 * should end with {@code SESSION_TAKEN_OVER}.
 */
public class SessionFencedException extends SessionGoneException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception for {@code sessionId}, written with the stale {@code generation}. */
    public SessionFencedException(String sessionId, long generation) {
        super(sessionId, "session " + sessionId + " was taken over: generation " + generation + " is no longer its owner");
    }
}

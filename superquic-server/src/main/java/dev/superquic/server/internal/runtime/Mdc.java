package dev.superquic.server.internal.runtime;

import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.connection.StreamState;
import org.slf4j.MDC;

/**
 * The log context keys and their handling. Event-loop code wraps each callback in
 * {@link #connection}/{@link #stream} (restored on close); virtual threads set them once at start.
 */
public final class Mdc {
    /** Connection id key. */
    public static final String CONNECTION = "conn";
    /** Stream id key. */
    public static final String STREAM = "stream";
    /** Session id key. */
    public static final String SESSION = "session";

    private Mdc() {
    }

    /** Sets the connection (and session, if bound) for the scope; clears them on close. */
    public static Scope connection(ConnectionState c) {
        return new Scope(c, null);
    }

    /** Sets connection, stream and session for the scope; clears them on close. */
    public static Scope stream(StreamState s) {
        return new Scope(s.connection(), s.id());
    }

    /** Puts the session id (virtual threads, once it is known). */
    public static void session(String sessionId) {
        if (sessionId != null) {
            MDC.put(SESSION, sessionId);
        }
    }

    /** An MDC scope; restores the previous values of its keys on close. */
    public static final class Scope implements AutoCloseable {
        private final String prevConn = MDC.get(CONNECTION);
        private final String prevStream = MDC.get(STREAM);
        private final String prevSession = MDC.get(SESSION);

        private Scope(ConnectionState c, Long streamId) {
            MDC.put(CONNECTION, c.id());
            if (streamId != null) {
                MDC.put(STREAM, Long.toString(streamId));
            } else {
                MDC.remove(STREAM);
            }
            String session = c.sessionIdOrNull();
            if (session != null) {
                MDC.put(SESSION, session);
            } else {
                MDC.remove(SESSION);
            }
        }

        @Override
        public void close() {
            restore(CONNECTION, prevConn);
            restore(STREAM, prevStream);
            restore(SESSION, prevSession);
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}

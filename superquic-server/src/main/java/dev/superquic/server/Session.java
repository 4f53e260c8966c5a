package dev.superquic.server;

import java.util.Map;
import java.util.Optional;

/**
 * A client's logical session as services see it: an id and key/value state that outlives any one
 * connection. Calls go to the server's {@link dev.superquic.server.session.SessionStore} and may
 * block; services run on virtual threads, so that is fine.
 */
public interface Session {

    /** The loggable session id. */
    String id();

    /** A state value. */
    Optional<String> get(String key);

    /**
     * Sets a state value.
     *
     * @throws dev.superquic.server.session.StateLimitException if the session's state would pass
     *     the server's limits (--max-session-keys, --max-session-chars); the state is unchanged
     */
    void put(String key, String value);

    /** Removes a state value; returns whether it existed. */
    boolean delete(String key);

    /** A snapshot of all state, keys sorted. */
    Map<String, String> entries();
}

package dev.superquic.server.session;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where sessions live, apart from connections. Every call may block (a remote store does I/O), so
 * the server calls it only from virtual threads, never from an event loop.
 *
 * <p>Ownership is fenced by a generation number: each attach increments it, and a detach or a
 * state write only takes effect if its generation is still current, so a late detach or write from
 * an old connection (a paused process, a partitioned node) can never touch the session of the
 * connection that took it over. Owners are opaque strings (the server
 * uses its node id and connection id) so a store shared by several nodes can say who had a session.
 *
 * <p>Tokens are secrets: implementations keep only a hash of them and compare in constant time.
 */
public interface SessionStore extends AutoCloseable {

    /** How long a detached session is kept before it expires. */
    Duration ttl();

    /** Creates a session attached to {@code owner}. */
    NewSession create(String owner);

    /**
     * Attaches the session that {@code token} names to {@code owner}, taking it over if another
     * owner has it.
     */
    AttachResult attach(String token, String owner);

    /**
     * Detaches the session if {@code generation} is still its current one; the TTL starts now.
     * A stale generation is ignored.
     *
     * @return whether the session was detached (false for a stale generation or unknown session)
     */
    boolean detach(String sessionId, long generation);

    /** A value of the session's state. */
    Optional<String> get(String sessionId, String key) throws SessionGoneException;

    /**
     * Sets a value of the session's state, for the owner of {@code generation}.
     *
     * @throws SessionFencedException if {@code generation} is no longer the session's (it was
     *     taken over since); nothing changed
     * @throws StateLimitException if the state would exceed the store's limits; it is unchanged
     */
    void put(String sessionId, long generation, String key, String value)
            throws SessionGoneException, StateLimitException;

    /**
     * Removes a value, for the owner of {@code generation}; returns whether it existed.
     *
     * @throws SessionFencedException if {@code generation} is no longer the session's; nothing changed
     */
    boolean delete(String sessionId, long generation, String key) throws SessionGoneException;

    /** A snapshot of the whole state, keys sorted. */
    Map<String, String> entries(String sessionId) throws SessionGoneException;

    /** Counts of live sessions, for metrics. */
    SessionCounts counts();

    /**
     * Live sessions, attached and detached, checked before each new session: stores that can
     * count without a pass over every session should say so here.
     */
    default long sessionCount() {
        SessionCounts c = counts();
        return c.attached() + c.detached();
    }

    /** Registers a callback run (on a store thread) with the id of each session that expires. */
    void onExpired(Consumer<String> listener);

    /**
     * Registers a callback run (on a store thread) with the previous owner of each session that an
     * attach took over, by any node sharing the store; a store that only this process uses need
     * not call it (the attach's result says the same). The default does nothing.
     */
    default void onTakenOver(Consumer<String> listener) {
    }

    /**
     * The session's channels, where this store keeps them (protocol version 2); empty for a store
     * that keeps none, whose server then refuses channels.
     */
    default java.util.Optional<ChannelLog> channelLog() {
        return java.util.Optional.empty();
    }

    /**
     * Checks the settings every store takes: a positive TTL and positive state limits.
     *
     * @throws IllegalArgumentException saying which is wrong
     */
    static void checkSettings(Duration ttl, int maxKeys, long maxChars) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("session TTL must be positive");
        }
        if (maxKeys < 1 || maxChars < 1) {
            throw new IllegalArgumentException("session state limits must be positive");
        }
    }

    /** Releases the store's resources (threads, connections). */
    @Override
    void close();

    /**
     * A created session.
     *
     * @param sessionId loggable id
     * @param token secret resume token (the only time it is available in clear)
     * @param generation ownership generation
     */
    record NewSession(String sessionId, String token, long generation) {
        @Override
        public String toString() {
            return "NewSession[sessionId=" + sessionId + ", token=" + ResumeTokens.redact(token)
                    + ", generation=" + generation + "]";
        }
    }

    /**
     * Outcome of {@link #attach}.
     *
     * @param status what happened
     * @param sessionId the session, when attached
     * @param generation the new ownership generation, when attached
     * @param previousOwner the owner it was taken from, or null if it was detached
     */
    record AttachResult(Status status, String sessionId, long generation, String previousOwner) {
        /** What an attach found. */
        public enum Status {
            /** The session is now attached to the caller. */
            ATTACHED,
            /** No session has this token (never existed, or forgotten long ago). */
            UNKNOWN,
            /** The session existed but expired. */
            EXPIRED
        }

        /** A failed attach. */
        public static AttachResult notFound(Status status) {
            return new AttachResult(status, null, 0, null);
        }
    }

    /**
     * Live session counts.
     *
     * @param attached sessions with a connection
     * @param detached sessions waiting for a resume
     */
    record SessionCounts(long attached, long detached) {
    }
}

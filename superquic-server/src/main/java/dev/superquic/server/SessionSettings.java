package dev.superquic.server;

import dev.superquic.server.session.InMemorySessionStore;
import java.time.Duration;
import java.util.Objects;

/**
 * How the server keeps sessions apart from connections: how long a detached session waits for its
 * client to resume it, and how many sessions, and how much state in each, the store the server
 * makes may hold. (How a client resumes, its token store and reconnect policy, is the client's
 * {@code ResumeSettings}.) Invalid values are refused with a
 * {@link ServerConfig.InvalidSettingException} naming the setting as the CLI spells it.
 *
 * @param ttl how long a detached session waits for a resume (default 5 minutes)
 * @param maxSessions sessions held at most, attached and detached; a hello that needs a new one
 *     beyond is refused with LIMIT_EXCEEDED (default 100,000)
 * @param maxKeys keys one session's state holds at most (default 10,000)
 * @param maxChars characters of keys and values one session's state holds at most (default 16 Mi)
 */
public record SessionSettings(Duration ttl, int maxSessions, int maxKeys, long maxChars) {
    /** The defaults. */
    public static final SessionSettings DEFAULT = new SessionSettings(Duration.ofMinutes(5), 100_000,
            InMemorySessionStore.DEFAULT_MAX_KEYS, InMemorySessionStore.DEFAULT_MAX_CHARS);

    /** Validates the fields. */
    public SessionSettings {
        Objects.requireNonNull(ttl, "ttl");
        ServerConfig.check(!ttl.isNegative() && !ttl.isZero(), "session-ttl", "must be positive", ttl);
        ServerConfig.check(maxSessions >= 1, "max-sessions", "must be at least 1", maxSessions);
        ServerConfig.check(maxKeys >= 1, "max-session-keys", "must be at least 1", maxKeys);
        ServerConfig.check(maxChars >= 1, "max-session-chars", "must be at least 1", maxChars);
    }
}

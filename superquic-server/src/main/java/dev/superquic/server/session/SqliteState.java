package dev.superquic.server.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * The sessions' state in {@link SqliteSessionStore}'s database (table {@code state}, and each
 * session's {@code keys} and {@code chars}): writes within the limits, fenced by the session's
 * generation. Every method runs inside a transaction of the store's, on its connection.
 */
final class SqliteState {
    private final Connection db;
    private final int maxKeys;
    private final long maxChars;

    SqliteState(Connection db, int maxKeys, long maxChars) {
        this.db = db;
        this.maxKeys = maxKeys;
        this.maxChars = maxChars;
    }

    /**
     * {@code [keys, chars]} of a live session: SessionGoneException when there is none,
     * SessionFencedException when {@code generation} (unless negative: a read) is not its own.
     */
    long[] usage(String sessionId, long generation) throws SQLException {
        try (PreparedStatement find = db.prepareStatement("SELECT keys, chars, generation FROM sessions WHERE id = ?")) {
            find.setString(1, sessionId);
            try (ResultSet r = find.executeQuery()) {
                if (!r.next()) {
                    throw new SessionGoneException(sessionId);
                }
                if (generation >= 0 && r.getLong(3) != generation) {
                    throw new SessionFencedException(sessionId, generation);
                }
                return new long[] {r.getLong(1), r.getLong(2)};
            }
        }
    }

    /**
     * For the owner of {@code generation}: applies state changes (a null value removes its key)
     * within the limits, or throws and changes nothing.
     */
    void apply(String sessionId, long generation, Map<String, String> changes) throws SQLException {
        long[] usage = usage(sessionId, generation);
        long keys = usage[0];
        long chars = usage[1];
        for (Map.Entry<String, String> change : changes.entrySet()) {
            String before = value(sessionId, change.getKey());
            if (before != null) {
                keys--;
                chars -= change.getKey().length() + before.length();
            }
            if (change.getValue() != null) {
                keys++;
                chars += change.getKey().length() + change.getValue().length();
            }
        }
        StateLimitException.check(keys, chars, maxKeys, maxChars);
        try (PreparedStatement upsert = db.prepareStatement("INSERT INTO state (session_id, key, value)"
                + " VALUES (?, ?, ?) ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value");
             PreparedStatement delete = db.prepareStatement("DELETE FROM state WHERE session_id = ? AND key = ?")) {
            for (Map.Entry<String, String> change : changes.entrySet()) {
                if (change.getValue() == null) {
                    delete.setString(1, sessionId);
                    delete.setString(2, change.getKey());
                    delete.executeUpdate();
                } else {
                    upsert.setString(1, sessionId);
                    upsert.setString(2, change.getKey());
                    upsert.setString(3, change.getValue());
                    upsert.executeUpdate();
                }
            }
        }
        setUsage(sessionId, keys, chars);
    }

    /** For the owner of {@code generation}: removes a key; returns whether it existed. */
    boolean delete(String sessionId, long generation, String key) throws SQLException {
        long[] usage = usage(sessionId, generation);
        String old = value(sessionId, key);
        if (old == null) {
            return false;
        }
        try (PreparedStatement delete = db.prepareStatement("DELETE FROM state WHERE session_id = ? AND key = ?")) {
            delete.setString(1, sessionId);
            delete.setString(2, key);
            delete.executeUpdate();
        }
        setUsage(sessionId, usage[0] - 1, usage[1] - key.length() - old.length());
        return true;
    }

    private void setUsage(String sessionId, long keys, long chars) throws SQLException {
        try (PreparedStatement update = db.prepareStatement("UPDATE sessions SET keys = ?, chars = ? WHERE id = ?")) {
            update.setLong(1, keys);
            update.setLong(2, chars);
            update.setString(3, sessionId);
            update.executeUpdate();
        }
    }

    private String value(String sessionId, String key) throws SQLException {
        try (PreparedStatement get = db.prepareStatement("SELECT value FROM state WHERE session_id = ? AND key = ?")) {
            get.setString(1, sessionId);
            get.setString(2, key);
            try (ResultSet r = get.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}

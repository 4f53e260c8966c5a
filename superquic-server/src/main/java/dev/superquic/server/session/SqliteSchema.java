package dev.superquic.server.session;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The database of {@link SqliteSessionStore}: its settings, its schema (versioned in
 * {@code PRAGMA user_version}) and what the store does to it when it opens.
 */
final class SqliteSchema {
    /** The schema this code writes and reads: 2 added channels. */
    static final int VERSION = 2;

    private SqliteSchema() {
    }

    /**
     * Sets the connection up (WAL, {@code synchronous}, foreign keys), checks the file, and creates
     * the schema in an empty database.
     *
     * @throws SessionStoreException naming {@code dir} for a damaged database or a newer schema
     */
    static void prepare(Connection db, Path dir, String synchronous) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            try (ResultSet r = s.executeQuery("PRAGMA journal_mode = WAL")) {
                r.next(); // reading the file's header: a file that is no database fails here
            }
            s.execute("PRAGMA synchronous = " + synchronous);
            s.execute("PRAGMA foreign_keys = ON");
            try (ResultSet r = s.executeQuery("PRAGMA quick_check")) {
                String result = r.next() ? r.getString(1) : "no answer";
                if (!"ok".equals(result)) {
                    throw new SessionStoreException("the session database in " + dir + " is damaged: " + result);
                }
            }
            int version;
            try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
                version = r.next() ? r.getInt(1) : 0;
            }
            if (version > VERSION) {
                throw new SessionStoreException("the session database in " + dir + " has schema version " + version
                        + ", written by a newer superquic; this one reads up to " + VERSION);
            }
            if (version == 0) {
                db.setAutoCommit(false);
                s.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, token_hash BLOB NOT NULL UNIQUE, owner TEXT,"
                        + " generation INTEGER NOT NULL, detached_at INTEGER, keys INTEGER NOT NULL DEFAULT 0,"
                        + " chars INTEGER NOT NULL DEFAULT 0)");
                s.execute("CREATE INDEX sessions_detached ON sessions (detached_at) WHERE owner IS NULL");
                s.execute("CREATE TABLE state (session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
                        + " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (session_id, key)) WITHOUT ROWID");
                s.execute("CREATE TABLE tombstones (token_hash BLOB PRIMARY KEY, expired_at INTEGER NOT NULL)");
                createChannelTables(s);
                s.execute("PRAGMA user_version = " + VERSION);
                db.commit();
                db.setAutoCommit(true);
            } else if (version == 1) {
                db.setAutoCommit(false);
                createChannelTables(s);
                s.execute("PRAGMA user_version = " + VERSION);
                db.commit();
                db.setAutoCommit(true);
            }
        }
    }

    /** Version 2: a session's channels and the messages they keep, gone with the session. */
    private static void createChannelTables(Statement s) throws SQLException {
        s.execute("CREATE TABLE channels (session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
                + " name TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0, acknowledged INTEGER NOT NULL DEFAULT 0,"
                + " last INTEGER NOT NULL DEFAULT 0, kept INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
                + " PRIMARY KEY (session_id, name)) WITHOUT ROWID");
        s.execute("CREATE TABLE channel_messages (session_id TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,"
                + " payload BLOB NOT NULL, PRIMARY KEY (session_id, name, seq), FOREIGN KEY (session_id, name)"
                + " REFERENCES channels (session_id, name) ON DELETE CASCADE) WITHOUT ROWID");
    }

    /** Sessions whose owner was the previous process start their TTL now; returns how many sessions there are. */
    static int detachAllAtOpen(Connection db) throws SQLException {
        try (PreparedStatement detach = db.prepareStatement(
                "UPDATE sessions SET owner = NULL, detached_at = ? WHERE owner IS NOT NULL");
             Statement count = db.createStatement()) {
            detach.setLong(1, System.currentTimeMillis());
            detach.executeUpdate();
            try (ResultSet r = count.executeQuery("SELECT COUNT(*) FROM sessions")) {
                return r.next() ? r.getInt(1) : 0;
            }
        }
    }
}

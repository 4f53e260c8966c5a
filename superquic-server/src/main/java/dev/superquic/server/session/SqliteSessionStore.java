package dev.superquic.server.session;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: sessions in an SQLite database under a data directory, so that they and
 * every acknowledged state change survive {@code kill -9} and a restart. It behaves as
 * {@link InMemorySessionStore} does (hashed tokens, generation fencing, TTL expiry, tombstones,
 * state limits); sessions that were attached when the process ended are detached when the store
 * opens again, and their TTL starts then.
 *
 * <p>SQLite in WAL mode, one connection, every call a transaction of its own. {@link Sync#FULL}
 * syncs each commit to disk before the call returns: an acknowledged change survives a power
 * loss. {@link Sync#NORMAL} (the default) leaves commits in the write-ahead log, which survives a
 * crash of the process but not of the machine; a checkpoint every second syncs it, so a power
 * loss takes at most about the last second of changes.
 *
 * <p>The directory holds {@code sessions.db} (with its {@code -wal} and {@code -shm} files) and
 * {@code superquic.lock}, locked while a store has it open: a second server on the same directory
 * is refused at start-up.
 */
public final class SqliteSessionStore implements SessionStore {
    private static final Logger log = LoggerFactory.getLogger(SqliteSessionStore.class);
    /** The schema this code writes; {@code PRAGMA user_version} of the database. */
    public static final int SCHEMA_VERSION = SqliteSchema.VERSION;
    private static final long TOMBSTONE_MILLIS = TimeUnit.HOURS.toMillis(24);
    private static final int MAX_TOMBSTONES = 100_000;
    private static final long CHECKPOINT_MILLIS = 1000;

    /** When a commit reaches the disk. */
    public enum Sync {
        /** Before every call that changed something returns (survives a power loss). */
        FULL,
        /** At the next checkpoint, within about a second (survives a crash of the process). */
        NORMAL
    }

    private final Path directory;
    private final Duration ttl;
    private final long ttlMillis;
    private final Connection db;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ReentrantLock dbLock = new ReentrantLock();
    private final List<Consumer<String>> expiryListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService background;
    private final SqliteState state;
    private final SqliteChannels channels = new SqliteChannels(this);
    /** Rows of {@code sessions}: the store has its database to itself (the lock), so it can count. */
    private final java.util.concurrent.atomic.AtomicLong sessions = new java.util.concurrent.atomic.AtomicLong();

    private SqliteSessionStore(Path directory, Duration ttl, int maxKeys, long maxChars, Connection db,
                               FileChannel lockChannel, FileLock lock, Sync sync, long sessionCount) {
        this.directory = directory;
        this.ttl = ttl;
        this.ttlMillis = ttl.toMillis();
        this.db = db;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.state = new SqliteState(db, maxKeys, maxChars);
        this.sessions.set(sessionCount);
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "superquic-session-store");
            t.setDaemon(true);
            return t;
        });
        long sweepMillis = Math.clamp(ttl.toMillis() / 4, 10, 1000);
        background.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        if (sync == Sync.NORMAL) {
            background.scheduleWithFixedDelay(this::checkpoint, CHECKPOINT_MILLIS, CHECKPOINT_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Opens (or creates) the store in {@code directory}.
     *
     * @throws SessionStoreException naming the directory when it cannot be created or written,
     *     another process has it open, its database is corrupt, or it was written by a newer
     *     schema than this code reads
     */
    public static SqliteSessionStore open(Path directory, Duration ttl, int maxKeys, long maxChars, Sync sync) {
        SessionStore.checkSettings(ttl, maxKeys, maxChars);
        Path dir = directory.toAbsolutePath().normalize();
        FileChannel lockChannel = null;
        Connection db = null;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve("superquic.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by another store of this process
            }
            if (lock == null) {
                throw new SessionStoreException("data directory " + dir + " is in use by another server");
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sessions.db"));
            SqliteSchema.prepare(db, dir, sync.name());
            int resumable = SqliteSchema.detachAllAtOpen(db);
            SqliteSessionStore store = new SqliteSessionStore(dir, ttl, maxKeys, maxChars, db, lockChannel, lock, sync,
                    resumable);
            log.info("session store: SQLite in {} ({} sessions kept, sync {})", dir, resumable,
                    sync.name().toLowerCase(Locale.ROOT));
            return store;
        } catch (IOException e) {
            closeQuietly(db, lockChannel);
            throw new SessionStoreException("data directory " + dir + " cannot be used: " + e, e);
        } catch (SQLException e) {
            closeQuietly(db, lockChannel);
            throw new SessionStoreException("data directory " + dir + " holds no usable session database ("
                    + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            closeQuietly(db, lockChannel);
            throw e;
        }
    }

    /** The data directory. */
    public Path directory() {
        return directory;
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public NewSession create(String owner) {
        String token = ResumeTokens.newToken();
        String id = ResumeTokens.newSessionId();
        return call(() -> {
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT INTO sessions (id, token_hash, owner, generation) VALUES (?, ?, ?, 1)")) {
                insert.setString(1, id);
                insert.setBytes(2, ResumeTokens.hash(token));
                insert.setString(3, owner);
                insert.executeUpdate();
            }
            sessions.incrementAndGet();
            return new NewSession(id, token, 1);
        });
    }

    @Override
    public AttachResult attach(String token, String owner) {
        byte[] hash = ResumeTokens.hash(token);
        String[] expiredId = new String[1];
        long[] droppedMessages = new long[1];
        AttachResult result = transaction(() -> {
            try (PreparedStatement find = db.prepareStatement(
                    "SELECT id, owner, generation, detached_at FROM sessions WHERE token_hash = ?")) {
                find.setBytes(1, hash);
                try (ResultSet r = find.executeQuery()) {
                    if (!r.next()) {
                        return AttachResult.notFound(isTombstoned(hash) ? AttachResult.Status.EXPIRED
                                : AttachResult.Status.UNKNOWN);
                    }
                    String id = r.getString(1);
                    String previous = r.getString(2);
                    long generation = r.getLong(3) + 1;
                    long detachedAt = r.getLong(4);
                    if (previous == null && System.currentTimeMillis() - detachedAt >= ttlMillis) {
                        droppedMessages[0] = expire(id, hash);
                        expiredId[0] = id;
                        return AttachResult.notFound(AttachResult.Status.EXPIRED);
                    }
                    try (PreparedStatement take = db.prepareStatement(
                            "UPDATE sessions SET owner = ?, generation = ?, detached_at = NULL WHERE id = ?")) {
                        take.setString(1, owner);
                        take.setLong(2, generation);
                        take.setString(3, id);
                        take.executeUpdate();
                    }
                    return new AttachResult(AttachResult.Status.ATTACHED, id, generation, previous);
                }
            }
        });
        if (expiredId[0] != null) {
            sessions.decrementAndGet(); // committed
            fireExpired(List.of(expiredId[0]));
            channels.messagesExpired(droppedMessages[0]);
        }
        return result;
    }

    @Override
    public boolean detach(String sessionId, long generation) {
        return call(() -> {
            try (PreparedStatement detach = db.prepareStatement("UPDATE sessions SET owner = NULL, detached_at = ?"
                    + " WHERE id = ? AND generation = ? AND owner IS NOT NULL")) {
                detach.setLong(1, System.currentTimeMillis());
                detach.setString(2, sessionId);
                detach.setLong(3, generation);
                return detach.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<String> get(String sessionId, String key) {
        return call(() -> {
            try (PreparedStatement get = db.prepareStatement("SELECT s.id, st.value FROM sessions s LEFT JOIN state st"
                    + " ON st.session_id = s.id AND st.key = ? WHERE s.id = ?")) {
                get.setString(1, key);
                get.setString(2, sessionId);
                try (ResultSet r = get.executeQuery()) {
                    if (!r.next()) {
                        throw new SessionGoneException(sessionId);
                    }
                    return Optional.ofNullable(r.getString(2));
                }
            }
        });
    }

    @Override
    public void put(String sessionId, long generation, String key, String value) {
        transaction(() -> {
            state.apply(sessionId, generation, Map.of(key, value));
            return null;
        });
    }

    @Override
    public boolean delete(String sessionId, long generation, String key) {
        return transaction(() -> state.delete(sessionId, generation, key));
    }

    @Override
    public Map<String, String> entries(String sessionId) {
        return transaction(() -> {
            state.usage(sessionId, -1); // SessionGoneException for an unknown session
            Map<String, String> entries = new LinkedHashMap<>();
            try (PreparedStatement all = db.prepareStatement(
                    "SELECT key, value FROM state WHERE session_id = ? ORDER BY key")) {
                all.setString(1, sessionId);
                try (ResultSet r = all.executeQuery()) {
                    while (r.next()) {
                        entries.put(r.getString(1), r.getString(2));
                    }
                }
            }
            return Collections.unmodifiableMap(entries);
        });
    }

    @Override
    public SessionCounts counts() {
        return call(() -> {
            try (Statement s = db.createStatement();
                 ResultSet r = s.executeQuery("SELECT COALESCE(SUM(owner IS NOT NULL), 0),"
                         + " COALESCE(SUM(owner IS NULL), 0) FROM sessions")) {
                r.next();
                return new SessionCounts(r.getLong(1), r.getLong(2));
            }
        });
    }

    @Override
    public long sessionCount() {
        return sessions.get(); // checked before every new session: no query
    }

    @Override
    public void onExpired(Consumer<String> listener) {
        expiryListeners.add(listener);
    }

    @Override
    public Optional<ChannelLog> channelLog() {
        return Optional.of(channels);
    }

    /** The connection, for {@link SqliteChannels}; only inside {@link #inTransaction}. */
    Connection db() {
        return db;
    }

    /** The sessions' state, for {@link SqliteChannels}; only inside {@link #inTransaction}. */
    SqliteState state() {
        return state;
    }

    /** Work in one transaction on the store's connection, for {@link SqliteChannels}. */
    <T> T inTransaction(SqliteWork.Work<T> work) {
        return transaction(work);
    }

    @Override
    public void close() {
        background.shutdownNow();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dbLock.lock();
        try {
            closeQuietly(db, null);
            try {
                lock.release();
            } catch (IOException e) {
                log.debug("releasing the data directory lock: {}", e.toString());
            }
            closeQuietly(null, lockChannel);
        } finally {
            dbLock.unlock();
        }
    }

    private boolean isTombstoned(byte[] hash) throws SQLException {
        try (PreparedStatement find = db.prepareStatement("SELECT 1 FROM tombstones WHERE token_hash = ?")) {
            find.setBytes(1, hash);
            try (ResultSet r = find.executeQuery()) {
                return r.next();
            }
        }
    }

    /**
     * Inside a transaction: deletes the session, its state and its channels, and leaves a
     * tombstone of its token; returns how many channel messages were dropped with it.
     */
    private long expire(String sessionId, byte[] hash) throws SQLException {
        long dropped = channels.keptMessages(sessionId);
        try (PreparedStatement delete = db.prepareStatement("DELETE FROM sessions WHERE id = ?");
             PreparedStatement tomb = db.prepareStatement(
                     "INSERT OR REPLACE INTO tombstones (token_hash, expired_at) VALUES (?, ?)")) {
            delete.setString(1, sessionId);
            delete.executeUpdate();
            tomb.setBytes(1, hash);
            tomb.setLong(2, System.currentTimeMillis());
            tomb.executeUpdate();
        }
        return dropped;
    }

    private void sweep() {
        long[] droppedMessages = new long[1];
        try {
            List<String> expired = transaction(() -> {
                List<String> ids = new ArrayList<>();
                List<byte[]> hashes = new ArrayList<>();
                try (PreparedStatement due = db.prepareStatement(
                        "SELECT id, token_hash FROM sessions WHERE owner IS NULL AND detached_at <= ?")) {
                    due.setLong(1, System.currentTimeMillis() - ttlMillis);
                    try (ResultSet r = due.executeQuery()) {
                        while (r.next()) {
                            ids.add(r.getString(1));
                            hashes.add(r.getBytes(2));
                        }
                    }
                }
                for (int i = 0; i < ids.size(); i++) {
                    droppedMessages[0] += expire(ids.get(i), hashes.get(i));
                }
                try (PreparedStatement old = db.prepareStatement("DELETE FROM tombstones WHERE expired_at < ?");
                     PreparedStatement excess = db.prepareStatement("DELETE FROM tombstones WHERE token_hash IN"
                             + " (SELECT token_hash FROM tombstones ORDER BY expired_at DESC LIMIT -1 OFFSET ?)")) {
                    old.setLong(1, System.currentTimeMillis() - TOMBSTONE_MILLIS);
                    old.executeUpdate();
                    // Forget the oldest first: their clients are the least likely to come back.
                    excess.setInt(1, MAX_TOMBSTONES);
                    excess.executeUpdate();
                }
                return ids;
            });
            sessions.addAndGet(-expired.size()); // committed
            fireExpired(expired);
            channels.messagesExpired(droppedMessages[0]);
        } catch (RuntimeException e) {
            log.error("session sweep failed", e);
        }
    }

    private void checkpoint() {
        try {
            call(() -> {
                try (Statement s = db.createStatement()) {
                    s.execute("PRAGMA wal_checkpoint(PASSIVE)");
                }
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("session store checkpoint failed: {}", e.toString());
        }
    }

    private void fireExpired(List<String> ids) {
        for (String id : ids) {
            for (Consumer<String> l : expiryListeners) {
                try {
                    l.accept(id);
                } catch (RuntimeException e) {
                    log.warn("session expiry listener failed", e);
                }
            }
        }
    }

    private <T> T call(SqliteWork.Work<T> work) {
        return SqliteWork.call(db, dbLock, directory, work);
    }

    private <T> T transaction(SqliteWork.Work<T> work) {
        return SqliteWork.transaction(db, dbLock, directory, work);
    }

    private static void closeQuietly(Connection db, FileChannel channel) {
        try {
            if (db != null) {
                db.close();
            }
        } catch (SQLException e) {
            log.debug("closing the session database: {}", e.toString());
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.debug("closing the data directory lock: {}", e.toString());
        }
    }
}

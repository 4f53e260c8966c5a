package dev.superquic.server.session;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How {@link SqliteSessionStore} runs work on its one connection: under its lock, in autocommit
 * or in one transaction, an {@link SQLException} turned into a {@link SessionStoreException}
 * naming the data directory.
 */
final class SqliteWork {
    private SqliteWork() {
    }

    /** Work on the connection. */
    interface Work<T> {
        T run() throws SQLException;
    }

    /** One statement's worth of work in autocommit, under the connection's lock. */
    static <T> T call(Connection db, ReentrantLock lock, Path directory, Work<T> work) {
        lock.lock();
        try {
            return work.run();
        } catch (SQLException e) {
            throw failed(directory, e);
        } finally {
            lock.unlock();
        }
    }

    /** Work in one transaction: all of it or, when it throws, none. */
    static <T> T transaction(Connection db, ReentrantLock lock, Path directory, Work<T> work) {
        lock.lock();
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failed(directory, e);
        } finally {
            lock.unlock();
        }
    }

    private static SessionStoreException failed(Path directory, SQLException e) {
        return new SessionStoreException("session store in " + directory + " failed: " + e.getMessage(), e);
    }
}

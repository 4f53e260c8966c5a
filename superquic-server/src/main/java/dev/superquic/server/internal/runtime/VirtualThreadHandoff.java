package dev.superquic.server.internal.runtime;

import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.connection.StreamState;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * THE hand-off from the Netty event loop to virtual threads. Nothing else in the server starts
 * threads for application or protocol work: event-loop code calls {@link #startStream} or
 * {@link #runForConnection} and returns at once. The started thread carries the log context
 * (connection, stream, session) of the work it runs. The count of live tasks lets shutdown
 * wait for them.
 */
public final class VirtualThreadHandoff {
    private static final Logger log = LoggerFactory.getLogger(VirtualThreadHandoff.class);
    private final ThreadFactory streams = Thread.ofVirtual().name("sq-stream-", 0).factory();
    private final ThreadFactory connections = Thread.ofVirtual().name("sq-conn-", 0).factory();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private long live;

    /** Runs {@code task} for a stream on a new virtual thread. */
    public void startStream(StreamState stream, Runnable task) {
        start(streams, stream.connection(), stream.id(), task);
    }

    /** Runs blocking connection work (session detach, ...) on a new virtual thread. */
    public void runForConnection(ConnectionState connection, Runnable task) {
        start(connections, connection, null, task);
    }

    private void start(ThreadFactory factory, ConnectionState conn, Long streamId, Runnable task) {
        String sessionId = conn.sessionIdOrNull();
        Runnable withContext = () -> {
            MDC.put(Mdc.CONNECTION, conn.id());
            if (streamId != null) {
                MDC.put(Mdc.STREAM, Long.toString(streamId));
            }
            Mdc.session(sessionId);
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("unexpected failure in connection task", e);
            } finally {
                MDC.clear();
                taskEnded();
            }
        };
        lock.lock();
        try {
            live++;
        } finally {
            lock.unlock();
        }
        factory.newThread(withContext).start();
    }

    private void taskEnded() {
        lock.lock();
        try {
            if (--live == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for every task to end; returns whether they did. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (live > 0) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = idle.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}

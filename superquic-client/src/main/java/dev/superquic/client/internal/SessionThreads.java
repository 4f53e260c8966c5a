package dev.superquic.client.internal;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one owner of a client session's virtual threads (control reader, reconnect loop, the
 * handler of a lost connection, {@code openStreamAsync}): each is tracked from its start, and
 * {@link #close(Duration)} stops them all, as the server's hand-off does with its own. A thread
 * that would start after the close is refused, so nothing of a closed session keeps running.
 */
public final class SessionThreads {
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private boolean closed; // guarded by this

    /**
     * Starts {@code task} on a new virtual thread named {@code name}.
     *
     * @return false, and nothing started, once {@link #close(Duration)} was called
     */
    public boolean start(String name, Runnable task) {
        Thread thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                task.run();
            } finally {
                running.remove(Thread.currentThread());
            }
        });
        // Under the lock with close(): every thread close() sees has been started (joining an
        // unstarted one throws), and none starts after it.
        synchronized (this) {
            if (closed) {
                return false;
            }
            running.add(thread);
            thread.start();
        }
        return true;
    }

    /** An executor that runs each task on a tracked thread named {@code name}; refuses after the close. */
    public Executor executor(String name) {
        return task -> {
            if (!start(name, task)) {
                throw new RejectedExecutionException("the session is closed");
            }
        };
    }

    /** How many tracked threads are running now. */
    public int running() {
        return running.size();
    }

    /**
     * Refuses new threads, interrupts every running one but the caller's (a listener may close the
     * session from one of them), and waits up to {@code wait} for them to end.
     *
     * @return how many were still running when the wait ended
     */
    public int close(Duration wait) {
        List<Thread> started;
        synchronized (this) {
            closed = true;
            started = List.copyOf(running);
        }
        Thread self = Thread.currentThread();
        for (Thread t : started) {
            if (t != self) {
                t.interrupt();
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        int left = 0;
        for (Thread t : started) {
            if (t == self) {
                continue;
            }
            long remaining = deadline - System.nanoTime();
            try {
                if (remaining <= 0 ? t.isAlive() : !t.join(Duration.ofNanos(remaining))) {
                    left++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return running.size();
            }
        }
        return left;
    }
}

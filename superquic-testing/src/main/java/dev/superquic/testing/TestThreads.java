package dev.superquic.testing;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An executor for tests whose {@link #close()} never waits for ever: it interrupts whatever still
 * runs (a reader stuck on a stream, say) and waits a bounded time for it to stop.
 * {@link ExecutorService#close()} instead waits until every task has ended, and calls
 * {@code shutdownNow} only if its own thread is interrupted meanwhile: a test whose timeout
 * interrupt was already spent (in a {@code Future.get}, typically) then hangs in its
 * try-with-resources for good.
 */
public final class TestThreads extends AbstractExecutorService implements AutoCloseable {
    /** How long {@link #close()} waits for interrupted tasks to stop. */
    private static final long CLOSE_WAIT_SECONDS = 10;
    private final ExecutorService delegate;

    private TestThreads(ExecutorService delegate) {
        this.delegate = delegate;
    }

    /** A new virtual thread per task. */
    public static TestThreads virtual() {
        return new TestThreads(Executors.newVirtualThreadPerTaskExecutor());
    }

    /** At most {@code threads} tasks at once, each on a virtual thread. */
    public static TestThreads fixed(int threads) {
        return new TestThreads(Executors.newFixedThreadPool(threads, Thread.ofVirtual().factory()));
    }

    /**
     * Interrupts the tasks still running and waits up to 10 s for them to stop.
     *
     * @throws IllegalStateException if a task ignores the interrupt, naming that
     */
    @Override
    public void close() {
        delegate.shutdownNow();
        boolean stopped;
        try {
            stopped = delegate.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!stopped) {
            throw new IllegalStateException("test tasks still running " + CLOSE_WAIT_SECONDS
                    + " s after they were interrupted");
        }
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }

    @Override
    public void execute(Runnable command) {
        delegate.execute(command);
    }
}

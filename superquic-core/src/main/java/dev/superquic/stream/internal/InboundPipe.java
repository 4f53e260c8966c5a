package dev.superquic.stream.internal;

import dev.superquic.stream.StreamResetException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer between the event loop (producer) and one consumer thread. The event loop
 * offers buffers and keeps reading from QUIC only while the pipe is below its high-water mark;
 * once it is above, QUIC stops granting credit and the sender slows down. The consumer's reads
 * drain the pipe; when it falls to the low-water mark the resume action asks QUIC for more.
 *
 * <p>The event loop hands data over in batches ({@link #offerAll}); {@link StreamBridgeHandler}
 * decides when, so that the pipe's lock and fields move between the two threads' cores once per
 * batch of packets instead of once per packet.
 *
 * <p>The lock is held only for a few field updates, never across copies, I/O or callbacks, so the
 * event loop does not wait for the consumer: a read takes the queued buffers over under the lock
 * and copies from them after releasing it. (Copying under the lock made the event loop park on it
 * while the consumer copied 64 KiB, and then need waking: two context switches for nothing.)
 */
public final class InboundPipe {
    /**
     * What a stream may buffer without the budget: a request's worth, so that with the budget
     * spent (by streams whose services do not read) every stream still makes progress, bulk input
     * a hand-over at a time, and small requests as before.
     */
    public static final long ALLOWANCE = 16 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Offered and not yet taken over by the consumer; guarded by the lock. */
    private final ArrayDeque<ByteBuf> buffers = new ArrayDeque<>();
    /**
     * Taken over by the consumer and not yet fully read. Only the thread inside {@link #read}
     * touches it; outside a read, whoever holds the lock may (to free it).
     */
    private final ArrayDeque<ByteBuf> taken = new ArrayDeque<>();
    private final long highWater;
    private final long lowWater;
    private final Runnable resumeReading;
    private final StreamMeter listener;

    /**
     * Bytes received and not yet read, whether still queued or taken over. Written under the
     * lock; volatile so that {@link #wouldFill} may read it without.
     */
    private volatile long buffered;
    /** A read is copying from {@link #taken} outside the lock. */
    private boolean reading;
    private boolean finished;
    private boolean released;
    private IOException failure;
    private boolean paused;
    private long pausedAt;
    private boolean consumerWaiting;
    /** Data was offered to a waiting consumer, which {@link #wakeConsumer()} is to wake. */
    private boolean wakeDue;
    /** This stream's share of its connection's memory for buffered input, or null; set once. */
    private volatile BudgetShare share;
    /** Reading is paused because the budget is spent, until it has room (guarded by the lock). */
    private boolean waitingForBudget;

    /**
     * @param capacityBytes the high-water mark: reading from QUIC stops at or above it
     * @param resumeReading run (on the consumer thread) when reading should start again; it must
     *     hand the actual switch to the event loop
     * @param listener told about pauses, for metrics
     */
    public InboundPipe(long capacityBytes, Runnable resumeReading, StreamMeter listener) {
        if (capacityBytes < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.highWater = capacityBytes;
        this.lowWater = capacityBytes / 2;
        this.resumeReading = resumeReading;
        this.listener = listener;
    }

    /**
     * Event loop: moves every buffer of {@code batch} into the pipe under one lock. Takes
     * ownership of the buffers; {@code batch} is left empty.
     *
     * @param wakeNow whether to wake a waiting consumer now; if false it is woken by the next
     *     {@link #wakeConsumer()}, so that a caller that fills many pipes can wake their consumers
     *     together, after it filled them all
     * @return true if the caller should keep reading from QUIC, false if it must pause
     */
    public boolean offerAll(ArrayDeque<ByteBuf> batch, boolean wakeNow) {
        boolean pauseNow = false;
        boolean waitForRoom = false;
        boolean keepReading;
        lock.lock();
        try {
            if (released || finished || failure != null) {
                releaseAll(batch);
                return !released;
            }
            boolean added = false;
            ByteBuf buf;
            while ((buf = batch.pollFirst()) != null) {
                if (buf.isReadable()) {
                    buffers.add(buf);
                    buffered += buf.readableBytes();
                    added = true;
                } else {
                    buf.release();
                }
            }
            if (added && consumerWaiting) {
                if (wakeNow) {
                    changed.signalAll();
                } else {
                    wakeDue = true;
                }
            }
            boolean overBudget = reserveBuffered();
            if ((buffered >= highWater || overBudget) && !paused) {
                paused = true;
                pausedAt = System.nanoTime();
                pauseNow = true;
            }
            if (overBudget && !waitingForBudget) {
                waitingForBudget = true;
                waitForRoom = true;
            }
            keepReading = !paused;
        } finally {
            lock.unlock();
        }
        if (pauseNow) {
            listener.paused();
        }
        if (waitForRoom) {
            listener.budgetSpent();
            share.whenRoom(this::budgetHasRoom);
        }
        return keepReading;
    }

    /** Under the lock, after bytes were added: whether they took the budget over (they stay). */
    private boolean reserveBuffered() {
        BudgetShare s = share;
        return s != null && !s.reserveFor(buffered);
    }

    /** Any thread, from the budget: there is room again; reading resumes unless the pipe is full. */
    private void budgetHasRoom() {
        long resumedAfter = -1;
        lock.lock();
        try {
            waitingForBudget = false;
            if (paused && buffered < highWater && !released && failure == null) {
                paused = false;
                resumedAfter = System.nanoTime() - pausedAt;
            }
        } finally {
            lock.unlock();
        }
        if (resumedAfter >= 0) {
            resume(resumedAfter);
        }
    }

    /**
     * Event loop: from the next offer on, bytes buffered beyond {@link #ALLOWANCE} (those already
     * buffered included) are reserved in {@code budget}; when it is spent, reading pauses until it
     * has room, or until the stream is back within its allowance.
     */
    public void budget(InboundBudget budget) {
        this.share = new BudgetShare(budget);
    }

    /** Under the lock: what no longer needs reserving, to give back after unlocking. */
    private long takeUnreserve() {
        BudgetShare s = share;
        return s == null ? 0 : s.releasable(buffered);
    }

    /** Without the lock (a waiter the release runs may take a pipe lock): gives {@code bytes} back. */
    private void giveBack(long bytes) {
        if (bytes > 0) {
            share.release(bytes);
        }
    }

    /** Any thread: wakes the consumer if an offer left it waiting for this call. */
    void wakeConsumer() {
        lock.lock();
        try {
            if (wakeDue) {
                wakeDue = false;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Event loop: whether {@code more} bytes would bring the pipe to its bound. Read without the
     * lock: only the event loop adds bytes, so a stale value can only be too high, which makes the
     * caller hand data over early, never late.
     */
    public boolean wouldFill(long more) {
        return buffered + more >= highWater;
    }

    private static void releaseAll(ArrayDeque<ByteBuf> batch) {
        ByteBuf b;
        while ((b = batch.pollFirst()) != null) {
            b.release();
        }
    }

    /** Event loop: the peer finished its side (FIN). Buffered data stays readable. */
    public void finish() {
        lock.lock();
        try {
            finished = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Event loop: the stream failed (reset, connection closed). Buffered data is dropped. */
    public void fail(IOException cause) {
        long giveBack = 0;
        lock.lock();
        try {
            if (finished || failure != null) {
                return;
            }
            failure = cause;
            releaseBuffers();
            giveBack = takeUnreserve();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        giveBack(giveBack);
    }

    /** Whether reading is paused because the pipe is full. */
    public boolean isPaused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the peer's FIN has been seen and every byte consumed. */
    public boolean isDrained() {
        lock.lock();
        try {
            return finished && buffered == 0;
        } finally {
            lock.unlock();
        }
    }

    /** Any thread: the pipe's state in a few words, for diagnostics. */
    public String describe() {
        lock.lock();
        try {
            return "buffered=" + buffered + (paused ? " paused" : "")
                    + (waitingForBudget ? " budget-spent" : "") + (finished ? " finished" : "")
                    + (consumerWaiting ? " reader-waiting" : "") + (wakeDue ? " wake-due" : "")
                    + (failure != null ? " failed=" + failure.getMessage() : "") + (released ? " released" : "");
        } finally {
            lock.unlock();
        }
    }

    /** Bytes buffered right now (for tests and metrics). */
    public long bufferedBytes() {
        lock.lock();
        try {
            return buffered;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Consumer: reads up to {@code len} bytes, blocking until at least one is available. One
     * consumer thread at a time.
     *
     * @return bytes read, or -1 at end of stream
     */
    public int read(byte[] dst, int off, int len) throws IOException {
        return read(dst, off, len, NO_DEADLINE);
    }

    /** No deadline for {@link #read(byte[], int, int, long)}. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    /**
     * Consumer: as {@link #read(byte[], int, int)}, but waits for data only until
     * {@code deadlineNanos} ({@link System#nanoTime()}).
     *
     * @throws ReadTimeoutException if no data came by then
     */
    public int read(byte[] dst, int off, int len, long deadlineNanos) throws IOException {
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            if (!awaitData(deadlineNanos)) {
                return -1;
            }
            reading = true;
            ByteBuf b;
            while ((b = buffers.pollFirst()) != null) {
                taken.add(b);
            }
        } finally {
            lock.unlock();
        }
        int n = 0;
        try {
            while (n < len && !taken.isEmpty()) {
                ByteBuf head = taken.peekFirst();
                int chunk = Math.min(len - n, head.readableBytes());
                head.readBytes(dst, off + n, chunk);
                n += chunk;
                if (!head.isReadable()) {
                    taken.pollFirst().release();
                }
            }
        } finally {
            consumed(n);
        }
        return n;
    }

    /**
     * Consumer: the oldest received bytes not yet read, as the buffer they arrived in, without
     * copying; blocks until there is one. The caller owns the buffer and must release it.
     *
     * @return the buffer, or null at end of stream
     */
    public ByteBuf readBuffer() throws IOException {
        ByteBuf next;
        long resumedAfter;
        long giveBack;
        lock.lock();
        try {
            if (!awaitData(NO_DEADLINE)) {
                return null;
            }
            next = taken.pollFirst();
            if (next == null) {
                next = buffers.pollFirst();
            }
            resumedAfter = account(next.readableBytes());
            giveBack = takeUnreserve();
        } finally {
            lock.unlock();
        }
        giveBack(giveBack);
        if (resumedAfter >= 0) {
            resume(resumedAfter);
        }
        return next;
    }

    /**
     * Under the lock: waits until bytes are buffered; false at end of stream, an exception when
     * the pipe failed or was released.
     */
    private boolean awaitData(long deadlineNanos) throws IOException {
        try {
            while (buffered == 0) {
                if (failure != null) {
                    throw failure;
                }
                if (released) {
                    throw new StreamResetException("stream closed", -1, null);
                }
                if (finished) {
                    return false;
                }
                consumerWaiting = true;
                try {
                    if (deadlineNanos == NO_DEADLINE) {
                        changed.await();
                    } else {
                        long left = deadlineNanos - System.nanoTime();
                        if (left <= 0) {
                            throw new ReadTimeoutException();
                        }
                        changed.awaitNanos(left);
                    }
                } finally {
                    consumerWaiting = false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        }
        if (reading) {
            throw new IllegalStateException("concurrent reads of one stream");
        }
        return true;
    }

    /** Consumer, after copying: accounts for {@code n} bytes read and resumes reading if due. */
    private void consumed(int n) {
        long resumedAfter = -1;
        long giveBack;
        lock.lock();
        try {
            reading = false;
            if (released || failure != null) {
                // Freed while this read copied: the buffers taken over are this thread's to free.
                releaseTaken();
            } else {
                resumedAfter = account(n);
            }
            giveBack = takeUnreserve();
        } finally {
            lock.unlock();
        }
        giveBack(giveBack);
        if (resumedAfter >= 0) {
            resume(resumedAfter);
        }
    }

    /**
     * Under the lock: {@code n} bytes were read. Returns how long reading was paused if it should
     * resume now, else -1.
     */
    private long account(int n) {
        buffered -= n;
        // With the budget spent, reading resumes when it has room (budgetHasRoom), or once the
        // stream is back within its allowance, which needs none of it.
        if (paused && buffered <= lowWater && (!waitingForBudget || buffered < ALLOWANCE)) {
            paused = false;
            return System.nanoTime() - pausedAt;
        }
        return -1;
    }

    private void resume(long pausedNanos) {
        listener.resumed(pausedNanos);
        resumeReading.run();
    }

    /** Consumer or owner: frees all buffers; later offers are released at once. Idempotent. */
    public void release() {
        long giveBack;
        lock.lock();
        try {
            released = true;
            releaseBuffers();
            giveBack = takeUnreserve();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        giveBack(giveBack);
    }

    /** Under the lock: frees the queued buffers, and those taken over unless a read uses them. */
    private void releaseBuffers() {
        ByteBuf b;
        while ((b = buffers.pollFirst()) != null) {
            b.release();
        }
        if (!reading) {
            releaseTaken();
        }
        buffered = 0;
    }

    private void releaseTaken() {
        ByteBuf b;
        while ((b = taken.pollFirst()) != null) {
            b.release();
        }
    }
}

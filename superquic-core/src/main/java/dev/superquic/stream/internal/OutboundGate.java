package dev.superquic.stream.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds the bytes a writer has handed to Netty that QUIC has not yet accepted. A QUIC stream
 * channel's own write queue is unbounded and its writability only mirrors send credit, so this
 * gate is what keeps a fast writer against a slow reader from piling up memory: the writer blocks
 * once {@code limit} bytes are in flight, and the event loop releases them as QUIC takes them.
 *
 * <p>A blocked writer is woken only once half of the limit is free again, so it then writes
 * several chunks in one go instead of waking (and waking the event loop) for every chunk.
 */
public final class OutboundGate {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long limit;
    private final long wakeBelow;
    private int waitingWriters;
    private final long stallTimeoutNanos;
    private long inFlight;
    private IOException failure;

    /**
     * @param limitBytes bytes that may be in flight before writers block
     * @param stallTimeout how long a blocked writer waits while QUIC takes no bytes at all; a peer
     *     that stops reading (or sent STOP_SENDING, which Netty does not report while a write
     *     waits for credit) must not hold a writer forever
     */
    public OutboundGate(long limitBytes, java.time.Duration stallTimeout) {
        if (limitBytes < 1 || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("limit and stall timeout must be positive");
        }
        this.limit = limitBytes;
        this.wakeBelow = limitBytes / 2;
        this.stallTimeoutNanos = stallTimeout.toNanos();
    }

    /**
     * Writer: blocks until {@code n} more bytes may be in flight. A single chunk larger than the
     * limit is let through when nothing else is in flight, so progress is always possible.
     */
    public void acquire(long n) throws IOException {
        lock.lock();
        try {
            long remaining = stallTimeoutNanos;
            while (failure == null && inFlight > 0 && inFlight + n > limit) {
                long before = inFlight;
                if (remaining <= 0) {
                    throw new WriteStalledException(stallTimeoutNanos);
                }
                waitingWriters++;
                try {
                    remaining = changed.awaitNanos(remaining);
                } finally {
                    waitingWriters--;
                }
                if (inFlight < before) {
                    remaining = stallTimeoutNanos; // progress: the peer is reading, however slowly
                }
            }
            if (failure != null) {
                throw failure;
            }
            inFlight += n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for send credit");
        } finally {
            lock.unlock();
        }
    }

    /** Event loop: QUIC accepted (or dropped) {@code n} bytes. */
    public void release(long n) {
        lock.lock();
        try {
            inFlight -= n;
            // The waiter re-checks progress when its stall timer runs out, so not waking it for
            // progress above the mark cannot make it time out while the peer reads.
            if (waitingWriters > 0 && inFlight <= wakeBelow) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Any thread: the stream can no longer send; blocked and later writers get {@code cause}. */
    public void fail(IOException cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The peer accepted no data for the whole stall timeout. */
    public static final class WriteStalledException extends java.net.SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        WriteStalledException(long nanos) {
            super("the peer accepted no data for " + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nanos) + " ms");
        }
    }

    /** Whether {@link #fail} was called: nothing more can be sent. */
    public boolean isFailed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes in flight right now. */
    public long inFlightBytes() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }
}

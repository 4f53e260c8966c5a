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
 */
public final class OutboundGate {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long limit;
    private long inFlight;
    private IOException failure;

    /** @param limitBytes bytes that may be in flight before writers block */
    public OutboundGate(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        this.limit = limitBytes;
    }

    /**
     * Writer: blocks until {@code n} more bytes may be in flight. A single chunk larger than the
     * limit is let through when nothing else is in flight, so progress is always possible.
     */
    public void acquire(long n) throws IOException {
        lock.lock();
        try {
            while (failure == null && inFlight > 0 && inFlight + n > limit) {
                changed.await();
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
            changed.signalAll();
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

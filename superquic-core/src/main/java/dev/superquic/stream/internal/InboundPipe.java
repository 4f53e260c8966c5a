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
 * <p>QUIC hands over a stream's data one packet at a time (~1.3 KB), and waking a virtual thread
 * per packet costs more CPU than the transfer. So a full-sized buffer does not wake a waiting
 * consumer: the event loop calls {@link #wakeConsumer()} once it has processed the current batch
 * of datagrams, and the consumer wakes once per batch with all of it. A smaller buffer most
 * likely ends what the peer wrote (a request, say) and wakes the consumer at once, so that it
 * answers while the event loop is still busy rather than after it went to sleep.
 *
 * <p>Locks are held only for a few field updates, never across I/O or callbacks, so the event
 * loop never waits for the consumer.
 */
public final class InboundPipe {
    /** Buffers smaller than this wake a waiting consumer at once; larger ones at the batch end. */
    static final int IMMEDIATE_WAKE_BELOW = 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> buffers = new ArrayDeque<>();
    private final long highWater;
    private final long lowWater;
    private final Runnable resumeReading;
    private final StreamMeter listener;

    private long buffered;
    private boolean finished;
    private boolean released;
    private IOException failure;
    private boolean paused;
    private long pausedAt;
    private boolean consumerWaiting;
    private boolean wakeRequested;

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

    /** What the event loop does after an {@link #offer(ByteBuf)}. */
    public enum OfferResult {
        /** Keep reading; the consumer is busy, was woken, or is already due to be woken. */
        CONTINUE,
        /** Keep reading, and call {@link #wakeConsumer()} once the current batch is processed. */
        CONTINUE_AND_WAKE,
        /** Stop reading from QUIC: the pipe is full. The consumer is awake or due to be woken. */
        PAUSE
    }

    /**
     * Event loop: adds data. Takes ownership of {@code buf}. A waiting consumer is woken here only
     * for a small buffer or a full pipe; otherwise the result says when the caller must arrange
     * {@link #wakeConsumer()}.
     */
    public OfferResult offer(ByteBuf buf) {
        boolean pauseNow = false;
        boolean wake = false;
        lock.lock();
        try {
            if (released || finished || failure != null) {
                buf.release();
                return released ? OfferResult.PAUSE : OfferResult.CONTINUE;
            }
            if (buf.isReadable()) {
                buffers.add(buf);
                buffered += buf.readableBytes();
                if (consumerWaiting && buf.readableBytes() < IMMEDIATE_WAKE_BELOW) {
                    changed.signalAll();
                } else if (consumerWaiting && !wakeRequested) {
                    wakeRequested = true;
                    wake = true;
                }
            } else {
                buf.release();
            }
            if (buffered >= highWater && !paused) {
                paused = true;
                pausedAt = System.nanoTime();
                pauseNow = true;
                if (wakeRequested) {
                    // A full pipe must not wait for the end of the batch.
                    wakeRequested = false;
                    wake = false;
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        if (pauseNow) {
            listener.paused();
            return OfferResult.PAUSE;
        }
        return wake ? OfferResult.CONTINUE_AND_WAKE : OfferResult.CONTINUE;
    }

    /** Event loop: wakes the consumer for the data offered since it last waited. */
    public void wakeConsumer() {
        lock.lock();
        try {
            wakeRequested = false;
            changed.signalAll();
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            if (finished || failure != null) {
                return;
            }
            failure = cause;
            releaseBuffers();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
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
     * Consumer: reads up to {@code len} bytes, blocking until at least one is available.
     *
     * @return bytes read, or -1 at end of stream
     */
    public int read(byte[] dst, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        boolean resume = false;
        long resumedAfter = 0;
        int n;
        lock.lock();
        try {
            while (buffered == 0) {
                if (failure != null) {
                    throw failure;
                }
                if (released) {
                    throw new StreamResetException("stream closed", -1, null);
                }
                if (finished) {
                    return -1;
                }
                consumerWaiting = true;
                try {
                    changed.await();
                } finally {
                    consumerWaiting = false;
                }
            }
            n = 0;
            while (n < len && !buffers.isEmpty()) {
                ByteBuf head = buffers.peekFirst();
                int chunk = Math.min(len - n, head.readableBytes());
                head.readBytes(dst, off + n, chunk);
                n += chunk;
                if (!head.isReadable()) {
                    buffers.pollFirst().release();
                }
            }
            buffered -= n;
            if (paused && buffered <= lowWater) {
                paused = false;
                resume = true;
                resumedAfter = System.nanoTime() - pausedAt;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        } finally {
            lock.unlock();
        }
        if (resume) {
            listener.resumed(resumedAfter);
            resumeReading.run();
        }
        return n;
    }

    /** Consumer or owner: frees all buffers; later offers are released at once. Idempotent. */
    public void release() {
        lock.lock();
        try {
            released = true;
            releaseBuffers();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void releaseBuffers() {
        ByteBuf b;
        while ((b = buffers.pollFirst()) != null) {
            b.release();
        }
        buffered = 0;
    }
}

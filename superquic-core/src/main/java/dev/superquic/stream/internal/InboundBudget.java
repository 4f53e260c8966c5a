package dev.superquic.stream.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes that a peer's data may hold before it is read, for one connection or for a whole server,
 * in the connection's budget and in its parent's (the server's):
 * <ul>
 * <li>frames still being received: a frame's buffer grows as its bytes arrive, each growth
 *     reserved here first ({@link #tryReserve}); a frame that does not fit fails its stream;
 * <li>streams' buffered input beyond a small allowance each ({@link InboundPipe}): what arrived
 *     is always taken ({@link #forceReserve}), and a stream that went over stops reading from
 *     QUIC, so that flow control holds its sender, until {@link #release} makes room.
 * </ul>
 * A peer that announces many large frames, or fills many streams and never reads, thus holds at
 * most about the budget, not streams times the frame limit or the stream buffer. Thread-safe.
 */
public final class InboundBudget {
    private final long limit;
    private final InboundBudget parent;
    private final AtomicLong used = new AtomicLong();
    /** Run once there is room again: streams that stopped reading because this budget was spent. */
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();
    private final LongAdder exhausted = new LongAdder();

    /**
     * @param limit bytes it grants at most
     * @param parent a budget every reservation must also fit into, or null
     */
    public InboundBudget(long limit, InboundBudget parent) {
        if (limit < 1) {
            throw new IllegalArgumentException("a budget must be positive");
        }
        this.limit = limit;
        this.parent = parent;
    }

    /** Reserves {@code bytes} here and in the parent; false (and nothing reserved) if either is short. */
    public boolean tryReserve(long bytes) {
        long now = used.addAndGet(bytes);
        if (now > limit) {
            used.addAndGet(-bytes);
            return false;
        }
        if (parent != null && !parent.tryReserve(bytes)) {
            used.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /**
     * Reserves {@code bytes} here and in the parent even beyond the limit (data already received
     * must be kept); false if that took this budget or the parent's over its limit, and the caller
     * is to stop taking more until {@link #whenRoom}.
     */
    public boolean forceReserve(long bytes) {
        boolean within = used.addAndGet(bytes) <= limit;
        if (parent != null && !parent.forceReserve(bytes)) {
            within = false;
        }
        if (!within) {
            exhausted.increment();
        }
        return within;
    }

    /**
     * Gives back {@code bytes} reserved before, here and in the parent, and runs the waiters once
     * there is room. Never call it holding a lock that a waiter takes.
     */
    public void release(long bytes) {
        used.addAndGet(-bytes);
        if (parent != null) {
            parent.release(bytes);
        }
        if (!waiters.isEmpty() && used.get() < limit) {
            runWaiters(); // each runs, or waits on in the parent if that is still spent
        }
    }

    /**
     * Runs {@code waiter} once this budget and its parent have room: at once if they have, else
     * from the {@link #release} that makes it (on the releasing thread). It may run when another
     * reservation took the room again; the caller then simply waits again.
     */
    public void whenRoom(Runnable waiter) {
        if (used.get() >= limit) {
            waiters.add(waiter);
            if (used.get() < limit) {
                runWaiters(); // a release came between the check and the add
            }
        } else if (parent != null) {
            parent.whenRoom(waiter);
        } else {
            waiter.run();
        }
    }

    private void runWaiters() {
        java.util.List<Runnable> due = new java.util.ArrayList<>();
        Runnable waiter;
        while ((waiter = waiters.poll()) != null) {
            due.add(waiter);
        }
        for (Runnable w : due) {
            whenRoom(w); // runs it, or queues it again here or in the spent parent
        }
    }

    /** How many reservations went over this budget (or its parent) so far. */
    public long exhaustedCount() {
        return exhausted.sum();
    }

    /** Bytes reserved now. */
    public long used() {
        return used.get();
    }

    /** Bytes it grants at most. */
    public long limit() {
        return limit;
    }
}

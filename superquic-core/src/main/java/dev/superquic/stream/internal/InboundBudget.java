package dev.superquic.stream.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that frames still being received may hold, for one connection or for a whole server: a
 * frame's buffer grows as its bytes arrive, and each growth is reserved here first, in the
 * connection's budget and in its parent's (the server's). A peer that announces many large frames
 * and sends them slowly thus holds at most the budget, not streams times the frame limit.
 * Thread-safe.
 */
public final class InboundBudget {
    private final long limit;
    private final InboundBudget parent;
    private final AtomicLong used = new AtomicLong();

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

    /** Gives back {@code bytes} reserved before, here and in the parent. */
    public void release(long bytes) {
        used.addAndGet(-bytes);
        if (parent != null) {
            parent.release(bytes);
        }
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

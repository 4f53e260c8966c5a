package dev.superquic.stream.internal;

/**
 * One stream's share of an {@link InboundBudget}: which of the bytes its {@link InboundPipe}
 * buffers beyond {@link InboundPipe#ALLOWANCE} are reserved. Guarded by the pipe's lock; the
 * reservations it gives up are released by the pipe after unlocking, since a release may run
 * another pipe's waiter, which takes that pipe's lock.
 */
final class BudgetShare {
    private final InboundBudget budget;
    /** Bytes of the pipe's buffer reserved in the budget. */
    private long reserved;

    BudgetShare(InboundBudget budget) {
        this.budget = budget;
    }

    /**
     * Reserves what {@code buffered} holds beyond the allowance and is not reserved yet, even over
     * the limit (the bytes arrived); false if that spent the budget.
     */
    boolean reserveFor(long buffered) {
        long due = Math.max(0, buffered - InboundPipe.ALLOWANCE) - reserved;
        if (due <= 0) {
            return true;
        }
        reserved += due;
        return budget.forceReserve(due);
    }

    /** With {@code buffered} left, what no longer needs reserving: the caller {@link #release}s it. */
    long releasable(long buffered) {
        long excess = Math.max(0, buffered - InboundPipe.ALLOWANCE);
        if (reserved <= excess) {
            return 0;
        }
        long bytes = reserved - excess;
        reserved = excess;
        return bytes;
    }

    /** Gives {@code bytes} back to the budget; not under the pipe's lock. */
    void release(long bytes) {
        budget.release(bytes);
    }

    /** Runs {@code waiter} once the budget has room again. */
    void whenRoom(Runnable waiter) {
        budget.whenRoom(waiter);
    }
}

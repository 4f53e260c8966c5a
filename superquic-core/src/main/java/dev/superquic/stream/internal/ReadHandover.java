package dev.superquic.stream.internal;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop side, one per QUIC connection: runs the hand-overs of all the connection's
 * {@link StreamBridgeHandler}s that wait for the end of the current batch of datagrams in one
 * task, and ends the bulk holds of all of them together.
 *
 * <p>Ending the holds together is what matters with many streams. A hold ended on its own timer
 * wakes one reader at a random moment: its carrier thread is usually parked, so every hand-over
 * costs the event loop a system call to wake it and the carrier a park afterwards (with 100
 * busy streams, some 20,000 times a second). Ended together, a hundred readers become runnable at
 * once: the carriers are woken once and run them one after another.
 *
 * <p>Confined to the event loop of the connection's streams; not thread-safe.
 */
public final class ReadHandover {
    private static final AttributeKey<ReadHandover> KEY = AttributeKey.valueOf(ReadHandover.class, "handover");

    private final EventExecutor loop;
    private final long holdNanos;
    // Each list has a spare that takes new entries while a pass runs over the list.
    private ArrayList<StreamBridgeHandler> due = new ArrayList<>();
    private ArrayList<StreamBridgeHandler> dueSpare = new ArrayList<>();
    private ArrayList<StreamBridgeHandler> held = new ArrayList<>();
    private ArrayList<StreamBridgeHandler> heldSpare = new ArrayList<>();
    private boolean batchEndScheduled;
    private ScheduledFuture<?> holdEnd;
    private final Runnable runBatchEnd = this::batchEnded;
    private final Runnable runHoldEnd = this::holdEnded;

    /**
     * A hand-over of its own, for streams without a connection to share one with (tests).
     *
     * @param loop the event loop of every stream that uses it
     * @param holdNanos the longest that a held stream's data waits
     */
    public ReadHandover(EventExecutor loop, long holdNanos) {
        this.loop = loop;
        this.holdNanos = holdNanos;
    }

    /**
     * Event loop: the hand-over shared by the streams of {@code stream}'s connection (its parent
     * channel), created with the first of them; one of its own if it has no parent on its loop.
     */
    static ReadHandover of(Channel stream) {
        Channel connection = stream.parent();
        if (connection == null || connection.eventLoop() != stream.eventLoop()) {
            return new ReadHandover(stream.eventLoop(), StreamBridgeHandler.HOLD_NANOS);
        }
        ReadHandover shared = connection.attr(KEY).get();
        if (shared == null) {
            shared = new ReadHandover(connection.eventLoop(), StreamBridgeHandler.HOLD_NANOS);
            connection.attr(KEY).set(shared);
        }
        return shared;
    }

    /** Event loop: {@code stream} hands its collected data over once this batch of datagrams is processed. */
    void atBatchEnd(StreamBridgeHandler stream) {
        due.add(stream);
        if (!batchEndScheduled) {
            // Tasks run after the event loop has processed all datagrams of this wake-up.
            batchEndScheduled = true;
            loop.execute(runBatchEnd);
        }
    }

    /** Event loop: {@code stream} holds its data until the current hold ends (at most the hold time). */
    void hold(StreamBridgeHandler stream) {
        held.add(stream);
        if (holdEnd == null) {
            holdEnd = loop.schedule(runHoldEnd, holdNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void batchEnded() {
        batchEndScheduled = false;
        ArrayList<StreamBridgeHandler> streams = due;
        due = dueSpare;
        for (StreamBridgeHandler stream : streams) {
            stream.batchEnded();
        }
        streams.clear();
        dueSpare = streams;
    }

    private void holdEnded() {
        holdEnd = null;
        ArrayList<StreamBridgeHandler> streams = held;
        held = heldSpare;
        for (StreamBridgeHandler stream : streams) {
            stream.holdEnded();
        }
        streams.clear();
        heldSpare = streams;
    }
}

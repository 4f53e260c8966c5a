package dev.superquic.stream.internal;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop side, one per QUIC connection: hands the data that the connection's
 * {@link StreamBridgeHandler}s collected to their readers, in one task at the end of each batch
 * of datagrams, and for streams read in bulk all together when the current hold ends.
 *
 * <p>Ending the holds together is what matters with many streams. Woken one at a time, each
 * reader's carrier thread is usually parked, so every hand-over cost the event loop a system call
 * to wake it, and on a busy machine the woken carrier took the event loop's core on the spot
 * (with 100 busy streams, thousands of times a second). At the end of a hold the event loop
 * therefore fills the pipes of all held streams first and then starts one virtual thread that
 * wakes their readers: one wake-up of a carrier, which then runs the readers one after another.
 * Wakes from a carrier thread queue the readers on that carrier; they neither wake nor preempt
 * the event loop's thread.
 *
 * <p>Confined to the event loop of the connection's streams; not thread-safe.
 */
public final class ReadHandover {
    private static final AttributeKey<ReadHandover> KEY = AttributeKey.valueOf(ReadHandover.class, "handover");
    private static final StreamBridgeHandler[] NONE = new StreamBridgeHandler[0];

    private final EventExecutor loop;
    private final long holdNanos;
    private ArrayList<StreamBridgeHandler> due = new ArrayList<>();
    /** Takes new entries while a pass runs over {@link #due}. */
    private ArrayList<StreamBridgeHandler> dueSpare = new ArrayList<>();
    private final ArrayList<StreamBridgeHandler> held = new ArrayList<>();
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

    /**
     * Event loop: {@code stream} holds its data until the current hold ends, which is at most the
     * hold time after the first stream joined it.
     */
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
        StreamBridgeHandler[] streams = held.toArray(NONE);
        held.clear();
        for (StreamBridgeHandler stream : streams) {
            stream.holdEnded();
        }
        // The readers' wake-ups, relayed through a virtual thread (see the class comment).
        Thread.ofVirtual().start(() -> {
            for (StreamBridgeHandler stream : streams) {
                stream.wakeReader();
            }
        });
    }
}

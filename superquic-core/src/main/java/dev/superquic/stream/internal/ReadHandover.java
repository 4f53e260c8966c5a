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
 * of datagrams, and for streams read in bulk all together when the current hold ends; and wakes
 * those readers together.
 *
 * <p>Waking readers one at a time is what costs with many streams. Each reader's carrier thread
 * is usually parked, so every wake-up cost the event loop a system call, and on a busy machine
 * the woken carrier took the event loop's core on the spot (with 100 busy streams, thousands of
 * times a second). So when a pass over several streams ends (a batch of datagrams, a hold) the
 * event loop fills their pipes first and then starts one virtual thread that wakes their readers:
 * one wake-up of a carrier, which then runs the readers one after another. Wakes from a carrier
 * thread queue the readers on that carrier; they neither wake nor preempt the event loop's
 * thread. A lone reader is woken directly. Of the streams that receive the end of a request in
 * one batch, the first wakes its reader at once (a lone request is answered while the event loop
 * is still awake) and the others are woken with the batch.
 *
 * <p>Confined to the event loop of the connection's streams; not thread-safe.
 */
final class ReadHandover {
    private static final AttributeKey<ReadHandover> KEY = AttributeKey.valueOf(ReadHandover.class, "handover");
    private static final StreamBridgeHandler[] NONE = new StreamBridgeHandler[0];

    private final EventExecutor loop;
    private final long holdNanos;
    private final ArrayList<StreamBridgeHandler> due = new ArrayList<>();
    private final ArrayList<StreamBridgeHandler> held = new ArrayList<>();
    private boolean batchEndScheduled;
    /** A reader was woken at once during the current batch of datagrams. */
    private boolean wokeOneThisBatch;
    private ScheduledFuture<?> holdEnd;
    private final Runnable runBatchEnd = this::batchEnded;
    private final Runnable runHoldEnd = this::holdEnded;

    /**
     * A hand-over of its own, for streams without a connection to share one with (tests).
     *
     * @param loop the event loop of every stream that uses it
     * @param holdNanos the longest that a held stream's data waits
     */
    ReadHandover(EventExecutor loop, long holdNanos) {
        this.loop = loop;
        this.holdNanos = holdNanos;
    }

    /** Event loop: the hand-over shared by the streams of {@code stream}'s connection. */
    static ReadHandover of(Channel stream) {
        return PerConnection.shared(stream, KEY, loop -> new ReadHandover(loop, StreamBridgeHandler.HOLD_NANOS));
    }

    /** Event loop: {@code stream} hands its collected data over once this batch of datagrams is processed. */
    void atBatchEnd(StreamBridgeHandler stream) {
        due.add(stream);
        scheduleBatchEnd();
    }

    /**
     * Event loop: whether a stream that just handed over the end of a request may wake its reader
     * at once. The first of a batch of datagrams may, so that a lone request is answered while
     * the event loop is still awake; later ones are woken together at the end of the batch.
     */
    boolean claimWakeAtOnce() {
        if (wokeOneThisBatch) {
            return false;
        }
        wokeOneThisBatch = true;
        scheduleBatchEnd();
        return true;
    }

    private void scheduleBatchEnd() {
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
        wokeOneThisBatch = false;
        StreamBridgeHandler[] streams = takeAll(due);
        for (StreamBridgeHandler stream : streams) {
            stream.batchEnded();
        }
        wakeReaders(streams);
    }

    private void holdEnded() {
        holdEnd = null;
        StreamBridgeHandler[] streams = takeAll(held);
        for (StreamBridgeHandler stream : streams) {
            stream.holdEnded();
        }
        wakeReaders(streams);
    }

    private static StreamBridgeHandler[] takeAll(ArrayList<StreamBridgeHandler> list) {
        StreamBridgeHandler[] streams = list.toArray(NONE);
        list.clear();
        return streams;
    }

    /** Wakes one reader from here; several from a virtual thread (see the class comment). */
    private static void wakeReaders(StreamBridgeHandler[] streams) {
        if (streams.length == 1) {
            streams[0].wakeReader();
        } else if (streams.length > 1) {
            Thread.ofVirtual().start(() -> {
                for (StreamBridgeHandler stream : streams) {
                    stream.wakeReader();
                }
            });
        }
    }
}

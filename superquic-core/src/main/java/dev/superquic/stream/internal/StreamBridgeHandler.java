package dev.superquic.stream.internal;

import dev.superquic.stream.StreamResetException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop side of a stream: moves received buffers into the {@link InboundPipe} and reads
 * from QUIC only while the pipe has room, by switching auto-read off when it is full and on again
 * when it drained. (Auto-read takes many buffers per wake-up; an explicit {@code read()} per
 * buffer would also flush the whole connection each time.) The channel must be created with
 * {@code AUTO_READ=false} and {@code ALLOW_HALF_CLOSURE=true}. Never blocks.
 *
 * <p>Netty's QUIC codec delivers a stream's data one packet (~1.3 KB) at a time. Handing each
 * packet to the reading thread on its own would wake it, and move the pipe's lock between the two
 * threads' cores, once per packet. Full-sized buffers are therefore collected here and handed over
 * together once the event loop has processed the current batch of datagrams (one task per
 * connection, {@link ReadHandover}), or once {@link #PUBLISH_AT} bytes are collected, or the pipe
 * would be full. A smaller buffer most likely ends what the peer wrote (a request, say) and is
 * handed over at once, so that the reader answers while the event loop is still awake rather than
 * after it went to sleep.
 *
 * <p>On a stream whose reader asked for bulk reads ({@link #readInBulk}) all data waits for more,
 * short buffers too, until the connection's current hold ends (at most {@link #HOLD_NANOS}; the
 * holds of all its streams end together, see {@link ReadHandover}), 64 KiB are collected, the
 * pipe would be full or the FIN arrives. With one busy stream that changes nothing (64 KiB arrive
 * long before), but with many streams each batch of datagrams carries only a packet or two per
 * stream, and handing those over one batch at a time wakes every stream's reader every few
 * hundred microseconds. Short buffers cannot end the wait: with many streams, packets that carry
 * the end of one stream's frame and the start of another's are common in the middle of flows. It
 * is opt-in because nothing in QUIC tells the end of a message from the middle of a flow: the
 * last piece of a message would wait too.
 */
public final class StreamBridgeHandler extends ChannelInboundHandlerAdapter {
    /** Buffers smaller than this are handed to the reader at once, with what was collected. */
    static final int SMALL_BUFFER = 1024;
    /** Collected bytes that are handed over without waiting for the end of the batch. */
    static final int PUBLISH_AT = 64 * 1024;
    /** The longest that data waits for more with bulk reads on. */
    static final long HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final InboundPipe pipe;
    private final OutboundGate gate;
    private final StreamMeter meter;
    private final ReadHandover handover;
    private final StreamWrites writes;
    private final ArrayDeque<ByteBuf> collected = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private int collectedBytes;
    private boolean dueAtBatchEnd;
    private boolean held;
    private volatile boolean bulk;
    /** Why this side closed the channel itself, if it did; names the cause of a failed read. */
    private volatile String localCloseReason;
    /** Bytes of the stream received so far. */
    private long receivedBytes;
    /** The final size the peer announced on the control stream ({@link StreamEnds}), or -1. */
    private long announcedEnd = -1;
    /** The input ended: the peer's FIN arrived, or its announced final size was reached. */
    private boolean inputEnded;
    private volatile boolean endedByAnnouncement;

    /**
     * Creates the bridge for one stream.
     *
     * @param handover shared by the streams of one connection (see {@link ReadHandover}), on the
     *     event loop this handler will run on
     * @param writes shared by the streams of one connection: pending writes are carried out when
     *     data arrives, inside the read processing (see {@link StreamWrites})
     */
    StreamBridgeHandler(InboundPipe pipe, OutboundGate gate, StreamMeter meter, ReadHandover handover,
                        StreamWrites writes) {
        this.pipe = pipe;
        this.gate = gate;
        this.meter = meter;
        this.handover = handover;
        this.writes = writes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // Streams are created with auto-read off so that nothing is read before this handler exists.
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseCollected();
    }

    /**
     * Consumer thread: the pipe drained below its low-water mark. The switch back to auto-read
     * happens on the event loop and only if the pipe is still not paused: a pause decided in the
     * meantime (also on the event loop) must win, or the stream would stop reading for good.
     */
    static void resume(Channel channel, InboundPipe pipe) {
        channel.eventLoop().execute(() -> {
            if (!pipe.isPaused()) {
                channel.config().setAutoRead(true);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // Inside the connection's read processing: what the streams' owners wrote meanwhile goes
        // out with this batch's packets.
        writes.drain();
        int n = buf.readableBytes();
        meter.received(n);
        collected.add(buf);
        collectedBytes += n;
        receivedBytes += n;
        if (announcedEnd >= 0 && receivedBytes >= announcedEnd) {
            endIfAnnouncedSizeReached();
            return;
        }
        // Handing over at the pipe's bound keeps it exceeded by at most this one buffer.
        if (collectedBytes >= PUBLISH_AT || pipe.wouldFill(collectedBytes)) {
            publish();
        } else if (n < SMALL_BUFFER && !bulk) {
            // Most likely the end of a request: handed over now. The first reader of the batch is
            // woken at once, to answer while the event loop is awake; readers of other streams
            // with the same batch are woken together at its end (see ReadHandover).
            boolean wakeNow = handover.claimWakeAtOnce();
            publish(wakeNow);
            if (!wakeNow) {
                dueAtBatchEnd();
            }
        } else if (bulk) {
            if (!held) {
                held = true;
                handover.hold(this);
            }
        } else {
            dueAtBatchEnd();
        }
    }

    private void dueAtBatchEnd() {
        if (!dueAtBatchEnd) {
            dueAtBatchEnd = true;
            handover.atBatchEnd(this);
        }
    }

    /** Any thread, approximate: what the bridge holds back, for diagnostics. */
    String describe() {
        String local = localCloseReason;
        return "bridge[collected=" + collectedBytes + " received=" + receivedBytes
                + (announcedEnd >= 0 ? " announced-end=" + announcedEnd : "") + (endedByAnnouncement ? " ended-by-announcement" : "")
                + (dueAtBatchEnd ? " due-at-batch-end" : "") + (held ? " held" : "")
                + (bulk ? " bulk" : "") + (local != null ? " closed here: " + local : "") + "]";
    }

    /** Any thread: lets data wait for more before it is handed over (see the class comment). */
    void readInBulk(boolean on) {
        bulk = on;
    }

    /**
     * Event loop, from the {@link ReadHandover}: the batch of datagrams is processed. The reader
     * is woken by {@link #wakeReader()}, with those of the connection's other streams.
     */
    void batchEnded() {
        dueAtBatchEnd = false;
        publish(false);
    }

    /**
     * Event loop, from the {@link ReadHandover}: the hold this stream joined is over. The reader
     * is woken by {@link #wakeReader()}, with those of the connection's other streams.
     */
    void holdEnded() {
        held = false;
        publish(false);
    }

    /** Any thread, from the {@link ReadHandover}: wakes a reader that a hand-over left waiting. */
    void wakeReader() {
        pipe.wakeConsumer();
    }

    private void publish() {
        publish(true);
    }

    /** Hands the collected buffers to the pipe; pauses reading if that filled it. */
    private void publish(boolean wakeNow) {
        if (collected.isEmpty()) {
            return;
        }
        collectedBytes = 0;
        if (!pipe.offerAll(collected, wakeNow)) {
            // The consumer fell behind: stop reading, so QUIC stops extending the peer's credit.
            // This also ends the current read loop: the pipe's bound is exceeded by one buffer
            // at most.
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            publish();
            pipe.finish();
        }
        ReferenceCountUtil.release(evt);
    }

    /**
     * Event loop, from {@link StreamEnds}: the peer announced that the stream carries
     * {@code finalSize} bytes. The input ends once that many arrived, FIN or not.
     */
    void peerEndsAt(long finalSize) {
        if (inputEnded || announcedEnd >= 0) {
            return;
        }
        announcedEnd = finalSize;
        endIfAnnouncedSizeReached();
    }

    private void endIfAnnouncedSizeReached() {
        if (receivedBytes > announcedEnd) {
            // The peer broke its word; bytes past an end the reader already saw are dropped.
            releaseCollected();
            if (!inputEnded) {
                inputEnded = true;
                pipe.fail(new StreamResetException("stream carried " + receivedBytes
                        + " bytes, more than the " + announcedEnd + " its peer announced", -1, null));
            }
        } else if (receivedBytes == announcedEnd && !inputEnded) {
            inputEnded = true;
            endedByAnnouncement = true;
            publish();
            pipe.finish();
        }
    }

    /** Any thread: the input ended because its announced size arrived, not (yet) by a FIN. */
    boolean endedByAnnouncement() {
        return endedByAnnouncement;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        IOException failure = cause instanceof QuicStreamResetException reset
                ? new StreamResetException("stream reset by peer (code " + reset.applicationProtocolCode() + ")",
                        reset.applicationProtocolCode(), cause)
                : new StreamResetException("stream failed: " + cause, -1, cause);
        releaseCollected();
        pipe.fail(failure);
        gate.fail(failure);
    }

    /**
     * Any thread: this side is about to close the channel itself, for {@code reason}. A reader
     * still waiting for the peer's FIN then learns why its stream ended.
     */
    void closingLocally(String reason) {
        localCloseReason = reason;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Data collected before the peer's FIN was handed over with the FIN; what is left here
        // belongs to a stream that ended without one.
        releaseCollected();
        StreamResetException closed = new StreamResetException(
                "stream closed before the peer finished it: " + closeCause(ctx), -1, null);
        pipe.fail(closed);
        gate.fail(closed);
        ctx.fireChannelInactive();
    }

    private String closeCause(ChannelHandlerContext ctx) {
        String local = localCloseReason;
        if (local != null) {
            return "closed on this side (" + local + ")";
        }
        Channel connection = ctx.channel().parent();
        if (connection != null && !connection.isActive()) {
            return "its connection was " + ConnectionCloseReason.of(connection);
        }
        return "closed by the QUIC stack";
    }

    /** Frees what was collected; a pending hand-over of this stream then finds nothing to do. */
    private void releaseCollected() {
        ByteBuf b;
        while ((b = collected.pollFirst()) != null) {
            b.release();
        }
        collectedBytes = 0;
    }
}

package dev.superquic.stream.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One per QUIC connection: the writes that its streams' owners (virtual threads) make, carried
 * out on the event loop in the order they were made, and as many of them as possible inside the
 * connection's read processing.
 *
 * <p>Why: Netty 4.2.18 hands a stream write to quiche and sends the connection's packets at once,
 * unless the write happens while the connection processes received datagrams; then the packets go
 * out together when the batch of datagrams is processed, with the acknowledgements that are due
 * anyway. Answers that virtual threads write arrive on the event loop a little after their
 * requests, so with many busy streams each answer used to leave in a datagram and a
 * {@code sendmsg} of its own. Here a write is queued and the event loop carries it out either when
 * a stream of the connection next receives data (inside the read processing: it is sent with that
 * batch) or, if that does not happen first, in a task of its own right after (sent at once, as
 * before). No write waits for more traffic.
 *
 * <p>Thread-safe: any thread may write; writes run on the event loop only.
 */
final class StreamWrites {
    private static final AttributeKey<StreamWrites> KEY = AttributeKey.valueOf(StreamWrites.class, "writes");

    private record PendingWrite(Channel channel, Object msg, ChannelPromise promise) { }

    private final EventExecutor loop;
    private final Queue<PendingWrite> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = () -> {
        drainScheduled.set(false);
        drain();
    };
    private boolean draining;

    /**
     * Writes of their own, for streams without a connection to share them with (tests).
     *
     * @param loop the event loop of every stream written through it
     */
    StreamWrites(EventExecutor loop) {
        this.loop = loop;
    }

    /** Event loop: the writes shared by the streams of {@code stream}'s connection. */
    static StreamWrites of(Channel stream) {
        return PerConnection.shared(stream, KEY, StreamWrites::new);
    }

    /**
     * Any thread: writes (and flushes) {@code msg} to {@code channel} on the event loop, after
     * every write made through this object before. Takes ownership of {@code msg}. A task that
     * the caller submits to the event loop after this returns runs after the write was carried
     * out ({@link ChannelStream#finishOutput()} relies on it): the write's task, if it needs one,
     * is queued before this returns and never postponed.
     *
     * @return completes when the write completes (or fails, after which {@code msg} is released)
     */
    ChannelFuture write(Channel channel, Object msg) {
        ChannelPromise promise = channel.newPromise();
        pending.add(new PendingWrite(channel, msg, promise));
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The event loop has shut down: nothing will carry these out.
                failPending(e);
            }
        }
        return promise;
    }

    private void failPending(Throwable cause) {
        PendingWrite w;
        while ((w = pending.poll()) != null) {
            ReferenceCountUtil.release(w.msg);
            w.promise.tryFailure(cause);
        }
    }

    /**
     * Event loop: carries out the pending writes now. Called while the connection processes
     * received data, so that Netty sends them with that batch's packets.
     */
    void drain() {
        if (draining) {
            return; // a write's callbacks led back here; the loop below takes what they added
        }
        draining = true;
        try {
            PendingWrite w;
            while ((w = pending.poll()) != null) {
                w.channel.writeAndFlush(w.msg, w.promise);
            }
        } finally {
            draining = false;
        }
    }
}

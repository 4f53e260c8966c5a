package dev.superquic.stream.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>A stream's FIN travels in the same STREAM frame as the stream's last data whenever that data
 * is still queued here when the FIN is written ({@link #writeFin}): the two go to quiche in one
 * write. quiche as built into Netty 4.2.18 judges a stream's sending side complete once its data
 * is acknowledged, FIN or not (cloudflare/quiche#2525), and forgets the stream once both sides are
 * complete; a FIN sent in a frame of its own and lost then is never sent again. A FIN that rides
 * with unacknowledged bytes is retransmitted with them. A FIN that must go alone (the data left
 * earlier) is reported to the caller, which announces the stream's end on the control stream
 * ({@link StreamEnds}).
 *
 * <p>Thread-safe: any thread may write; writes run on the event loop only.
 */
final class StreamWrites {
    private static final AttributeKey<StreamWrites> KEY = AttributeKey.valueOf(StreamWrites.class, "writes");

    /**
     * One queued write. {@code ifLoneFin} is non-null for a FIN ({@code msg} is then null): it runs
     * on the event loop if the FIN could not join the stream's last data.
     */
    private record PendingWrite(Channel channel, Object msg, ChannelPromise promise, Runnable ifLoneFin) {
        boolean isFin() {
            return ifLoneFin != null;
        }
    }

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
        return enqueue(new PendingWrite(channel, msg, channel.newPromise(), null));
    }

    /**
     * Any thread: finishes {@code channel}'s sending side after every write made through this
     * object before, like {@link #write}. If the channel's last data write is still queued, the
     * FIN goes to quiche in the same write as that data; otherwise it goes alone, and
     * {@code ifLone} then runs on the event loop, right after the FIN was handed to Netty.
     *
     * @return completes when the FIN (and the data it joined) was written, or failed
     */
    ChannelFuture writeFin(Channel channel, Runnable ifLone) {
        return enqueue(new PendingWrite(channel, null, channel.newPromise(), ifLone));
    }

    private ChannelFuture enqueue(PendingWrite write) {
        ChannelPromise promise = write.promise;
        pending.add(write);
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
            // Everything queued at once, so that a FIN meets the data queued before it.
            for (List<PendingWrite> batch = takeAll(); !batch.isEmpty(); batch = takeAll()) {
                carryOut(batch);
            }
        } finally {
            draining = false;
        }
    }

    private List<PendingWrite> takeAll() {
        List<PendingWrite> batch = new ArrayList<>();
        for (PendingWrite w; (w = pending.poll()) != null;) {
            batch.add(w);
        }
        return batch;
    }

    /** Event loop: carries out {@code batch} in order, each FIN joined to its stream's queued last data. */
    private static void carryOut(List<PendingWrite> batch) {
        int n = batch.size();
        boolean[] finJoined = new boolean[n];
        PendingWrite[] joinedFin = new PendingWrite[n];
        if (n > 1) {
            // A FIN joins the data written just before it on its stream, if that is in this batch.
            Map<Channel, Integer> lastData = new HashMap<>();
            for (int i = 0; i < n; i++) {
                PendingWrite w = batch.get(i);
                Integer data = w.isFin() || !(w.msg instanceof ByteBuf)
                        ? lastData.remove(w.channel) : lastData.put(w.channel, i);
                if (w.isFin() && data != null) {
                    finJoined[i] = true;
                    joinedFin[data] = w;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            PendingWrite w = batch.get(i);
            if (finJoined[i]) {
                continue;
            }
            if (joinedFin[i] != null) {
                ChannelPromise fin = joinedFin[i].promise;
                w.promise.addListener(f -> {
                    if (f.isSuccess()) {
                        fin.trySuccess();
                    } else {
                        fin.tryFailure(f.cause());
                    }
                });
                w.channel.writeAndFlush(new DefaultQuicStreamFrame((ByteBuf) w.msg, true), w.promise);
            } else if (w.isFin()) {
                w.channel.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true), w.promise);
                w.ifLoneFin.run();
            } else {
                w.channel.writeAndFlush(w.msg, w.promise);
            }
        }
    }
}

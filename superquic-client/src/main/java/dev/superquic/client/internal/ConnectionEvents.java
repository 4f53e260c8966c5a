package dev.superquic.client.internal;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.stream.internal.ConnectionCloseReason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Event-loop side of a {@link ClientConnection}: close cause and stream-credit updates. */
final class ConnectionEvents extends ChannelInboundHandlerAdapter {
    final CompletableFuture<ClientConnection.ConnectionLost> closed = new CompletableFuture<>();
    /** Completes when the server's CONNECTION_CLOSE arrives (or the connection is gone). */
    final CompletableFuture<Void> peerClosed = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition creditChanged = lock.newCondition();
    private long creditEpoch;
    /** Event loop: runs at the next stream-credit update (the control stream waiting to open). */
    Runnable onNextCredit;
    /** The application code of the server's close, if it sent one we know. */
    private volatile ErrorCode peerCode;
    private boolean active;
    /** The server's close while the handshake was still running (wrong ALPN, untrusted client...). */
    volatile QuicConnectionCloseEvent closeDuringHandshake;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active = true;
        ctx.fireChannelActive();
    }

    long creditEpoch() {
        lock.lock();
        try {
            return creditEpoch;
        } finally {
            lock.unlock();
        }
    }

    boolean awaitCredit(long seenEpoch, long deadline) throws IOException {
        lock.lock();
        try {
            while (creditEpoch == seenEpoch) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0 || closed.isDone()) {
                    return creditEpoch != seenEpoch;
                }
                creditChanged.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for stream credit", e);
        } finally {
            lock.unlock();
        }
    }

    private void signalCredit() {
        lock.lock();
        try {
            creditEpoch++;
            creditChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QuicStreamLimitChangedEvent) {
            Runnable waiting = onNextCredit;
            onNextCredit = null;
            if (waiting != null) {
                waiting.run();
            }
            signalCredit();
        } else if (evt instanceof QuicConnectionCloseEvent close && !active) {
            // quiche keeps a refused handshake in its draining state until it times out;
            // fail the connect now so the caller hears why at once.
            closeDuringHandshake = close;
            ctx.close();
        } else if (evt instanceof QuicConnectionCloseEvent close) {
            ConnectionCloseReason.recordPeerClose(ctx.channel(), "server", close);
            peerCode = close.isApplicationClose() ? ErrorCode.fromQuicCode(close.error()).orElse(null) : null;
            peerClosed.complete(null);
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection errors surface as the close below.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        peerClosed.complete(null);
        closed.complete(new ClientConnection.ConnectionLost(peerCode, "connection " + ConnectionCloseReason.of(ctx.channel())));
        signalCredit();
        ctx.fireChannelInactive();
    }
}

package dev.superquic.server.internal.connection;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.server.internal.runtime.Mdc;
import dev.superquic.server.internal.runtime.ServerRuntime;
import dev.superquic.stream.internal.ConnectionCloseReason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event-loop side of one QUIC connection: registers it, enforces the hello timeout, and on close
 * hands the session detach to a virtual thread. Never blocks.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    private final ConnectionState conn;
    private final ServerRuntime runtime;
    private boolean active;
    /** The handshake completed or failed (and was counted). */
    private boolean handshakeEnded;
    private ScheduledFuture<?> helloTimeout;
    private ScheduledFuture<?> statsSampling;
    private ConnectionTraffic traffic;

    public ConnectionHandler(ConnectionState conn, ServerRuntime runtime) {
        this.conn = conn;
        this.runtime = runtime;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // A client that refuses our certificate may just go away (Netty 4.2.18's client does not
        // send its CONNECTION_CLOSE when its own check fails): the handshake then never ends, and
        // the connection is freed at the idle timeout without any other event.
        Object peer = conn.channel().remoteSocketAddress();
        runtime.handshakeStarted();
        ctx.channel().closeFuture().addListener(f -> {
            if (endHandshake() && !runtime.isDraining()) {
                runtime.metrics().handshakeFailed("incomplete");
                try (var scope = Mdc.connection(conn)) {
                    log.info("handshake with {} never completed: the client went away (it may have refused our "
                            + "certificate)", peer);
                }
            }
        });
    }

    /** Marks the handshake ended, once; returns whether this call did. */
    private boolean endHandshake() {
        if (handshakeEnded) {
            return false;
        }
        handshakeEnded = true;
        runtime.handshakeEnded();
        return true;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active = true;
        runtime.connectionOpened(conn);
        try (var scope = Mdc.connection(conn)) {
            log.info("connection opened from {}", conn.channel().remoteSocketAddress());
        }
        long timeout = runtime.config().helloTimeout().toNanos();
        helloTimeout = ctx.executor().schedule(() -> {
            if (!conn.session().isDone() && ctx.channel().isActive()) {
                try (var scope = Mdc.connection(conn)) {
                    log.warn("no control exchange within {} ms; closing", TimeUnit.NANOSECONDS.toMillis(timeout));
                }
                // Streams waiting for the session answer SESSION_REQUIRED now; the close follows
                // shortly so those error frames can reach the peer first.
                conn.session().completeExceptionally(new IllegalStateException("hello timeout"));
                ctx.executor().schedule(() -> conn.close(ErrorCode.HELLO_TIMEOUT,
                        "no control message before the timeout"),
                        ConnectionState.ERROR_LINGER.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, timeout, TimeUnit.NANOSECONDS);
        QuicChannel quic = (QuicChannel) ctx.channel();
        traffic = new ConnectionTraffic(runtime.metrics());
        long interval = runtime.config().statsInterval().toNanos();
        statsSampling = ctx.executor().scheduleAtFixedRate(() -> traffic.sample(quic), interval, interval,
                TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        try (var scope = Mdc.connection(conn)) {
            if (evt instanceof QuicConnectionCloseEvent close) {
                ConnectionCloseReason.recordPeerClose(ctx.channel(), "client", close);
                if (close.isTlsError() && endHandshake()) {
                    // The client refused our side of the handshake: its CONNECTION_CLOSE names the alert.
                    int alert = QuicConnectionCloseEvent.extractTlsError(close.error());
                    runtime.metrics().handshakeFailed(HandshakeFailures.peerAlert(alert));
                    log.info("client {} refused the TLS handshake: {} (TLS alert {})",
                            conn.channel().remoteSocketAddress(), HandshakeFailures.alertName(alert), alert);
                }
            } else if (evt instanceof SslHandshakeCompletionEvent hs && endHandshake() && !hs.isSuccess()) {
                runtime.metrics().handshakeFailed(HandshakeFailures.reason(hs.cause()));
                log.warn("TLS handshake with {} failed: {}", conn.channel().remoteSocketAddress(),
                        hs.cause().getMessage());
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        try (var scope = Mdc.connection(conn)) {
            log.debug("connection error: {}", cause.toString());
        }
    }

    /** The connection's packet and byte counts for its close line, or nothing. */
    private String trafficSummary() {
        QuicConnectionStats s = traffic == null ? null : traffic.last();
        if (s == null) {
            return "";
        }
        return "; packets sent " + s.sent() + ", received " + s.recv() + ", lost " + s.lost() + ", retransmitted "
                + s.retrans() + "; bytes sent " + s.sentBytes() + ", received " + s.recvBytes();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The connection's lifetime ends here: no timer may fire on it afterwards.
        if (helloTimeout != null) {
            helloTimeout.cancel(false);
        }
        if (statsSampling != null) {
            statsSampling.cancel(false);
            traffic.sample((QuicChannel) ctx.channel()); // the counts Netty kept from quiche's close
        }
        conn.session().completeExceptionally(new IllegalStateException("connection closed"));
        if (active) {
            runtime.connectionClosed(conn);
            try (var scope = Mdc.connection(conn)) {
                log.info("connection {} after {} ms{}", ConnectionCloseReason.of(ctx.channel()),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - conn.openedAtNanos()),
                        trafficSummary());
            }
            runtime.handoff().runForConnection(conn, () -> runtime.sessions().detach(conn));
        }
        ctx.fireChannelInactive();
    }
}

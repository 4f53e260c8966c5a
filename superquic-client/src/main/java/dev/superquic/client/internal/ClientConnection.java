package dev.superquic.client.internal;

import dev.superquic.client.ClientConfig;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.SessionGranted;
import dev.superquic.protocol.Messages.StreamHeader;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Protocol;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.stream.internal.ConnectionCloseReason;
import dev.superquic.stream.internal.StreamMeter;
import dev.superquic.transport.ConnectionStats;
import dev.superquic.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * One QUIC connection of a client session: its UDP socket, the QUIC channel and the control
 * stream. Replaced by a new link on every reconnect.
 */
public final class ClientConnection {
    private final ClientConfig config;
    private final Channel udp;
    private final QuicChannel quic;
    private final ConnectionEvents handler;
    private ChannelStream control;
    private SessionGranted granted;
    private volatile boolean goingAway;

    private ClientConnection(ClientConfig config, Channel udp, QuicChannel quic, ConnectionEvents handler) {
        this.config = config;
        this.udp = udp;
        this.quic = quic;
        this.handler = handler;
    }

    /**
     * Connects, opens the control stream and carries out {@code hello}, all within the connect
     * timeout.
     */
    public static ClientConnection open(ClientConfig config, EventLoopGroup group, Transport transport, QuicSslContext ssl,
                            Hello hello) throws IOException {
        var builder = config.congestionControl().applyTo(new QuicClientCodecBuilder());
        ChannelHandler codec = Transport.maxUdpPayload(builder, config.maxUdpPayload(), config.discoverPmtu())
                .sslEngineProvider(q -> ssl.newEngine(q.alloc(), config.server().getHostString(),
                        config.server().getPort()))
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(config.maxData())
                .initialMaxStreamDataBidirectionalLocal(config.maxStreamData())
                .initialMaxStreamDataBidirectionalRemote(config.maxStreamData())
                .build();
        Channel udp;
        ResetDetector resets = new ResetDetector(config.server());
        try {
            udp = transport.tuneUdp(new Bootstrap(), config.maxUdpPayload()).group(group).channel(transport.datagramChannel())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(resets, codec);
                        }
                    }).bind(0).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding a UDP socket", e);
        }
        ConnectionEvents handler = new ConnectionEvents();
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        byte[] helloFrame = Messages.encode(hello); // before the handshake: see openControl
        CompletableFuture<ChannelStream> control = new CompletableFuture<>();
        QuicChannel quic;
        try {
            var bootstrap = QuicChannel.newBootstrap(udp);
            var gso = transport.segmentedAllocator(config.maxUdpPayload());
            if (gso != null) {
                bootstrap.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
            }
            if (config.qlogDirectory() != null) {
                bootstrap.option(QuicChannelOption.QLOG, Transport.qlog(config.qlogDirectory(), "client"));
            }
            Future<QuicChannel> connecting = bootstrap
                    .handler(handler)
                    .streamHandler(new RejectServerStreams())
                    .remoteAddress(config.server())
                    .connect();
            connecting.addListener((Future<QuicChannel> f) -> {
                if (f.isSuccess()) {
                    QuicChannel q = f.getNow();
                    resets.connection(q);
                    q.closeFuture().addListener(c -> control.completeExceptionally(
                            new IOException("connection closed before the control stream opened")));
                    openControl(q, handler, config, helloFrame, control);
                }
            });
            quic = await(connecting, deadline, config, handler);
        } catch (IOException e) {
            udp.close();
            throw e;
        }
        quic.closeFuture().addListener(f -> udp.close());
        ClientConnection link = new ClientConnection(config, udp, quic, handler);
        // Bound the hello exchange too: if the server never answers, closing unblocks the read.
        var timeout = quic.eventLoop().schedule(() -> {
            if (link.granted == null) {
                link.close(ErrorCode.HELLO_TIMEOUT, "no answer to the hello");
            }
        }, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        try {
            link.control = awaitFuture(control, deadline, "opening the control stream");
            byte[] reply = link.control.readFrame(Protocol.MAX_CONTROL_FRAME);
            if (reply == null) {
                throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "server closed the control stream");
            }
            link.granted = Messages.decodeSessionGranted(reply);
            resets.token(link.granted.resetToken());
            if (link.granted.streamEnds()) {
                // Lone FINs of this connection's streams are announced from now on (StreamEnds).
                link.control.streamEnds().announceOn(link.control);
            }
            return link;
        } catch (IOException e) {
            link.close(e instanceof ProtocolException p ? p.code() : ErrorCode.NO_ERROR, "hello failed");
            if (link.granted == null && timeout.isDone()) {
                throw new SocketTimeoutException("server " + config.server() + " did not answer the hello within "
                        + config.connectTimeout().toMillis() + " ms");
            }
            throw e;
        } finally {
            timeout.cancel(false);
        }
    }

    /** The server's answer to the hello. */
    public SessionGranted granted() {
        return granted;
    }

    /** The control stream (for the session's control reader). */
    public ChannelStream control() {
        return control;
    }

    /** Completes with the cause when the connection ends. */
    public CompletableFuture<ConnectionLost> closed() {
        return handler.closed;
    }

    /** Whether the QUIC connection is open and the server has not announced it is going away. */
    public boolean isUsable() {
        return quic.isActive() && !goingAway;
    }

    /** Whether the QUIC connection is still open. */
    public boolean isOpen() {
        return quic.isActive();
    }

    /** This connection's QUIC statistics, read on its event loop. */
    public CompletableFuture<ConnectionStats> stats() {
        return ConnectionStats.of(quic);
    }

    /** The server announced it is going away: open no new streams here. */
    public void markGoingAway() {
        goingAway = true;
    }

    /**
     * Opens a stream to {@code service}: waits for stream credit, sends the header and checks the
     * server's answer, all within {@code timeout}.
     */
    public ChannelStream openService(String service, Duration timeout) throws IOException {
        Opened opened = open(Messages.encode(new StreamHeader(service)), "'" + service + "'", timeout);
        try {
            Messages.decodeStreamAccepted(opened.reply());
            return opened.stream();
        } catch (IOException | RuntimeException e) {
            opened.stream().close();
            throw e;
        }
    }

    /**
     * Opens channel {@code channel}'s stream, telling the server the last of its messages this side
     * has; returns the stream and the last of this side's messages the server has.
     */
    public Opened openChannel(String channel, long delivered, Duration timeout) throws IOException {
        Opened opened = open(Messages.encode(new Messages.ChannelOpen(channel, delivered)), "channel '" + channel + "'",
                timeout);
        try {
            return new Opened(opened.stream(), opened.reply(), Messages.decodeChannelAccepted(opened.reply()));
        } catch (IOException | RuntimeException e) {
            opened.stream().close();
            throw e;
        }
    }

    /**
     * A stream whose header the server answered.
     *
     * @param stream the stream
     * @param reply the server's answer to the header
     * @param delivered for a channel: the last of this side's messages the server has
     */
    public record Opened(ChannelStream stream, byte[] reply, long delivered) {
    }

    /** Waits for stream credit, sends {@code header} and reads the server's answer, within {@code timeout}. */
    private Opened open(byte[] header, String what, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ChannelStream stream = newStream(deadline, config.maxFrameSize());
        try {
            stream.writeFrame(header);
            byte[] reply;
            try {
                // Bounded too: a server that took the header and died (or stopped) before answering
                // must not hold the caller, and its connection, until the idle timeout.
                reply = stream.readFrame(Protocol.MAX_CONTROL_FRAME, deadline);
            } catch (dev.superquic.stream.internal.ReadTimeoutException e) {
                throw new SocketTimeoutException("server " + config.server() + " did not accept the stream to "
                        + what + " within the stream open timeout");
            }
            if (reply == null) {
                throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "server finished the stream without a reply");
            }
            return new Opened(stream, reply, 0);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
    }

    /**
     * Creates a bidirectional stream once the peer grants credit. Checking credit and creating the
     * stream happen in one event-loop task: creating a stream without credit burns a stream id.
     */
    private ChannelStream newStream(long deadline, int maxFrame) throws IOException {
        while (true) {
            CompletableFuture<ChannelStream> created = new CompletableFuture<>();
            long observedEpoch = handler.creditEpoch();
            quic.eventLoop().execute(() -> {
                if (!quic.isActive()) {
                    created.completeExceptionally(new IOException("connection closed"));
                } else if (quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) <= 0) {
                    created.complete(null);
                } else {
                    createStream(quic, config, maxFrame, created);
                }
            });
            ChannelStream stream = awaitFuture(created, deadline, "opening a stream");
            if (stream != null) {
                return stream;
            }
            if (!handler.awaitCredit(observedEpoch, deadline)) {
                throw new SocketTimeoutException("no stream credit from the server (stream limit reached) within "
                        + "the stream open timeout");
            }
        }
    }

    /** Event loop: creates a bidirectional stream (the caller checked credit) and completes {@code created}. */
    private static void createStream(QuicChannel quic, ClientConfig config, int maxFrame,
                                     CompletableFuture<ChannelStream> created) {
        ChannelStream[] attached = new ChannelStream[1];
        quic.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        attached[0] = ChannelStream.attach(ch, config.streamBufferBytes(),
                                config.streamWriteBufferBytes(), maxFrame, config.streamWriteTimeout(),
                                StreamMeter.NONE);
                    }
                })
                .create().addListener((Future<QuicStreamChannel> f) -> {
                    if (f.isSuccess() && attached[0] != null) {
                        created.complete(attached[0]);
                    } else {
                        created.completeExceptionally(f.cause() != null ? f.cause()
                                : new IOException("stream set-up failed"));
                    }
                });
    }

    /**
     * Event loop, as the handshake completes: opens the control stream, queues the hello and
     * starts the keep-alive, with no hand-off to the application's thread in between. A busy
     * application thread then cannot leave a new connection silent before its hello, long enough
     * for a short idle timeout to close it; and the hello leaves a thread wake-up sooner.
     */
    private static void openControl(QuicChannel quic, ConnectionEvents handler, ClientConfig config, byte[] helloFrame,
                                    CompletableFuture<ChannelStream> control) {
        if (quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) <= 0) {
            // Netty counts the server's stream credit only after the handshake's packets are processed.
            handler.onNextCredit = () -> openControl(quic, handler, config, helloFrame, control);
            return;
        }
        CompletableFuture<ChannelStream> created = new CompletableFuture<>();
        created.whenComplete((stream, failure) -> {
            if (failure != null) {
                control.completeExceptionally(failure);
                return;
            }
            stream.offerControlFrame(helloFrame);
            if (config.keepAlive()) {
                KeepAlive.start(quic, stream, config.idleTimeout());
            }
            if (config.discoverPmtu()) {
                // A path that shrinks below what discovery found (see PathWatch).
                PathWatch.start(quic, config.idleTimeout(), blackHole -> close(quic, ErrorCode.PATH_FAILED, blackHole));
            }
            control.complete(stream);
        });
        createStream(quic, config, Protocol.MAX_CONTROL_FRAME, created);
    }

    /**
     * Closes the connection the orderly way: finishes the control stream, on which the server
     * closes the connection, and closes it from here only if that has not happened within
     * {@code wait}. Blocks for at most {@code wait}; not for event loops.
     *
     * <p>Why not just send CONNECTION_CLOSE: right after a bulk upload, with data and the
     * congestion window still in flight, quiche's close packet may never leave, and the server
     * would hold the connection and its streams until its idle timeout. The control stream's FIN
     * is stream data: it is retransmitted until it arrives.
     */
    public void closeGracefully(Duration wait) {
        ChannelStream c = control;
        if (c != null && quic.isActive()) {
            c.finishOutput();
            try {
                // The server's close frame, not the end of quiche's draining period (which
                // would keep a closing client waiting for several round trips).
                handler.peerClosed.get(wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // The server did not close in time: close from here.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // After the server's close this only releases the channel; otherwise it is our close.
        close(ErrorCode.NO_ERROR, "client closed");
    }

    /** Closes the connection with an application code. */
    public void close(ErrorCode code, String reason) {
        close(quic, code, reason);
    }

    private static void close(QuicChannel quic, ErrorCode code, String reason) {
        ConnectionCloseReason.record(quic, "closed by this client (" + code + ": " + reason + ")");
        quic.close(true, code.quicCode(), Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8));
    }

    private static <T> T awaitFuture(CompletableFuture<T> future, long deadline, String what) throws IOException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("timed out " + what);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(what + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted " + what, e);
        }
    }

    private static QuicChannel await(Future<QuicChannel> future, long deadline, ClientConfig config,
                                     ConnectionEvents handler) throws IOException {
        try {
            if (!future.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new ConnectException("no QUIC answer from " + config.server() + " within "
                        + config.connectTimeout().toMillis() + " ms (server down, wrong port, or packets blocked)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting", e);
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            QuicConnectionCloseEvent refused = handler.closeDuringHandshake;
            if (refused != null && refused.isTlsError()) {
                throw new SSLException("TLS handshake with " + config.server() + " failed: "
                        + TlsAlerts.describe(refused.error(), config.alpn()), cause);
            }
            if (refused != null) {
                throw new ConnectException("server " + config.server() + " refused the connection (code "
                        + refused.error() + ")");
            }
            if (cause instanceof SSLException || String.valueOf(cause.getMessage()).contains("TLS")) {
                throw new SSLException("TLS handshake with " + config.server() + " failed: " + cause.getMessage()
                        + " (certificate not trusted, or ALPN '" + config.alpn() + "' not offered by the server)",
                        cause);
            }
            throw new ConnectException("cannot connect to " + config.server() + ": " + cause);
        }
        return future.getNow();
    }

    /**
     * Why a connection ended.
     *
     * @param code the peer's application close code, if it sent one
     * @param message a description
     */
    public record ConnectionLost(ErrorCode code, String message) {
    }

    /** Protocol version 1 has no server-initiated streams. */
    @ChannelHandler.Sharable
    private static final class RejectServerStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ((QuicStreamChannel) ctx.channel()).shutdown(ErrorCode.PROTOCOL_VIOLATION.quicCode());
        }
    }
}

package dev.superquic.it;

import dev.superquic.protocol.Protocol;
import dev.superquic.stream.internal.StreamMeter;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bare QUIC connection for protocol tests: no hello, no framing help, so a test can send exactly
 * the bytes it wants (malformed JSON, oversized frames, streams before the hello). Real QUIC.
 */
final class RawConnection implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel udp;
    private final QuicChannel quic;
    private final CompletableFuture<QuicConnectionCloseEvent> peerClose = new CompletableFuture<>();

    /** Connects with ALPN {@code alpn}; throws if the handshake fails. */
    RawConnection(InetSocketAddress server, String alpn) throws Exception {
        group = Transport.best().newGroup(1, "raw-client");
        Channel socket = null;
        try {
            var ssl = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .endpointIdentificationAlgorithm(null).applicationProtocols(alpn).build();
            var codec = new QuicClientCodecBuilder().sslContext(ssl).maxIdleTimeout(10, TimeUnit.SECONDS)
                    .initialMaxData(16 << 20).initialMaxStreamDataBidirectionalLocal(1 << 20)
                    .initialMaxStreamDataBidirectionalRemote(1 << 20).build();
            socket = new Bootstrap().group(group).channel(Transport.best().datagramChannel()).handler(codec)
                    .bind(0).sync().channel();
            var connect = QuicChannel.newBootstrap(socket).handler(new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof QuicConnectionCloseEvent e) {
                        peerClose.complete(e);
                        if (!ctx.channel().isActive()) {
                            ctx.close(); // refused during the handshake: fail the connect now
                        }
                    }
                    ReferenceCountUtil.release(evt);
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    peerClose.complete(null);
                }
            }).streamHandler(new ChannelInboundHandlerAdapter())
                    .remoteAddress(new InetSocketAddress("127.0.0.1", server.getPort())).connect();
            if (!connect.await(5, TimeUnit.SECONDS) || !connect.isSuccess()) {
                throw new java.io.IOException("handshake failed", connect.cause());
            }
            quic = connect.getNow();
            udp = socket;
        } catch (Exception e) {
            if (socket != null) {
                socket.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Opens a bidirectional stream with blocking I/O. */
    ChannelStream openStream() throws Exception {
        ChannelStream[] holder = new ChannelStream[1];
        quic.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
                .option(ChannelOption.AUTO_READ, false).option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        holder[0] = ChannelStream.attach(ch, 1 << 20, 1 << 20, Protocol.DEFAULT_MAX_FRAME, java.time.Duration.ofSeconds(30),
                                StreamMeter.NONE);
                    }
                }).create().sync();
        return holder[0];
    }

    /** Drops the connection abruptly: the UDP socket closes and no CONNECTION_CLOSE is sent. */
    void abort() {
        udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Completes with the server's close (null if closed without one). */
    CompletableFuture<QuicConnectionCloseEvent> peerClose() {
        return peerClose;
    }

    @Override
    public void close() {
        if (!udp.isOpen()) {
            return;
        }
        quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}

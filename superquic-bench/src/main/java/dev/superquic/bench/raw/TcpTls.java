package dev.superquic.bench.raw;

import dev.superquic.bench.Target;
import dev.superquic.server.tls.DevCertificate;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The TCP + TLS 1.3 baseline (JDK TLS provider, epoll where available): the same raw protocol,
 * one TCP connection per stream, everything on Netty event loops.
 */
public final class TcpTls {
    private static final boolean EPOLL = Epoll.isAvailable();

    private TcpTls() {
    }

    private static EventLoopGroup group(String name) {
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true),
                EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** A running TCP + TLS server. */
    public static final class Server implements AutoCloseable {
        private final EventLoopGroup group = group("tcp-tls-server");
        private final Channel channel;

        /** Starts on {@code host}, port 0. */
        public Server(String host) throws Exception {
            DevCertificate cert = DevCertificate.generate(Duration.ofDays(1));
            SslContext ssl = SslContextBuilder.forServer(cert.privateKey(), cert.certificate())
                    .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
            Class<? extends ServerChannel> type = EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
            channel = new ServerBootstrap().group(group).channel(type)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()),
                                    new RawServerHandler(RawServerHandler::closeAfterFlush, false));
                        }
                    }).bind(host, 0).sync().channel();
        }

        /** The bound address. */
        public InetSocketAddress address() {
            return (InetSocketAddress) channel.localAddress();
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** The TCP + TLS client target: each "stream" is its own connection. */
    public static final class ClientTarget implements Target {
        private final InetSocketAddress server;
        private final EventLoopGroup group = group("tcp-tls-client");
        private final SslContext ssl;

        /** A client of the server at {@code server}. */
        public ClientTarget(InetSocketAddress server) throws Exception {
            this.server = server;
            this.ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3")
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        }

        @Override
        public String name() {
            return "tcp-tls";
        }

        @Override
        public Connection connect() {
            return new TcpConnection();
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }

        private final class TcpConnection extends RawConnectionOps {
            @Override
            void run(byte mode, BooleanSupplier stop, LongConsumer meter, int size) throws Exception {
                RawClientHandler handler = new RawClientHandler(mode, stop, meter, size, ChannelHandlerContext::close, null);
                Channel ch = new Bootstrap().group(group)
                        .channel(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel c) {
                                SslHandler tls = ssl.newHandler(c.alloc(), server.getHostString(), server.getPort());
                                c.pipeline().addLast(tls);
                                // Start once the TLS handshake is done, like a QUIC stream on an open connection.
                                tls.handshakeFuture().addListener(f -> {
                                    if (f.isSuccess()) {
                                        c.pipeline().addLast(handler);
                                    } else {
                                        handler.done().completeExceptionally(f.cause());
                                        c.close();
                                    }
                                });
                            }
                        }).connect(server).sync().channel();
                try {
                    handler.done().get();
                } finally {
                    ch.close();
                }
            }





            @Override
            public void close() {
                // Each operation owns its TCP connection.
            }
        }
    }
}

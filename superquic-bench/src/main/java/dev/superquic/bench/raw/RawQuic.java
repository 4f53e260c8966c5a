package dev.superquic.bench.raw;

import dev.superquic.bench.Target;
import dev.superquic.server.tls.DevCertificate;
import dev.superquic.transport.ConnectionStats;
import dev.superquic.transport.CongestionControl;
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
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The raw Netty QUIC baseline: a server and a client with the same transport settings as
 * superquic's defaults, and none of its layers (no control stream, sessions, framing, blocking
 * bridge or virtual threads). Both sides run entirely on Netty event loops.
 *
 * <p>Two variants: {@code raw-quic} keeps Netty's UDP defaults (one recvmsg per datagram, no GSO,
 * 1350-byte packets); {@code raw-quic-tuned} sets up its sockets exactly as superquic does
 * ({@link Transport#tuneUdp}, GSO, the same max UDP payload), so that superquic's ratio to it
 * measures only superquic's own layers.
 */
public final class RawQuic {
    static final String ALPN = "raw-bench";

    private RawQuic() {
    }

    /** superquic's default transport settings, applied to both raw ends. */
    static <B extends QuicCodecBuilder<B>> B transport(B b) {
        return b.maxIdleTimeout(2, TimeUnit.MINUTES).initialMaxData(Transport.DEFAULT_MAX_DATA)
                .initialMaxStreamDataBidirectionalLocal(Transport.DEFAULT_MAX_STREAM_DATA)
                .initialMaxStreamDataBidirectionalRemote(Transport.DEFAULT_MAX_STREAM_DATA)
                .initialMaxStreamsBidirectional(100);
    }

    /**
     * superquic's path settings, given to the tuned variant (the other sends with Netty's
     * default, CUBIC).
     *
     * @param maxUdpPayload largest UDP payload sent and accepted
     * @param discoverPmtu search the path up to {@code maxUdpPayload}
     * @param congestionControl the congestion controller of what each end sends
     */
    public record Tuning(int maxUdpPayload, boolean discoverPmtu, CongestionControl congestionControl) {
    }

    /** Name of the variant: tuned with superquic's UDP settings, or Netty's defaults. */
    static String name(Tuning tuning) {
        return tuning == null ? "raw-quic" : "raw-quic-tuned";
    }

    /** superquic's UDP settings for {@code tuning}, or Netty's defaults for null. */
    static Bootstrap udp(Transport t, Tuning tuning) {
        Bootstrap b = new Bootstrap();
        return tuning == null ? b.option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
                : t.tuneUdp(b, tuning.maxUdpPayload());
    }

    /** The transport settings, plus superquic's payload size and congestion control when tuned. */
    static <B extends QuicCodecBuilder<B>> B codec(B b, Tuning tuning) {
        transport(b);
        if (tuning == null) {
            return b;
        }
        tuning.congestionControl().applyTo(b);
        return Transport.maxUdpPayload(b, tuning.maxUdpPayload(), tuning.discoverPmtu());
    }

    /** GSO as superquic sends, when tuned and the transport has it; else null. */
    static SegmentedDatagramPacketAllocator gso(Transport t, Tuning tuning) {
        return tuning == null ? null : t.segmentedAllocator(tuning.maxUdpPayload());
    }

    /** A running raw QUIC server. */
    public static final class Server implements AutoCloseable {
        private final EventLoopGroup group;
        private final Channel channel;

        /** Starts on {@code host}, port 0, with Netty's UDP defaults. */
        public Server(String host) throws InterruptedException {
            this(host, null);
        }

        /**
         * Starts on {@code host}, port 0; with {@code tuning} set, with superquic's UDP
         * settings for that max payload.
         */
        public Server(String host, Tuning tuning) throws InterruptedException {
            this(host, 0, tuning);
        }

        /** Starts on {@code host} and {@code port} (0: a free one); tuned as {@link #Server(String, Tuning)}. */
        public Server(String host, int port, Tuning tuning) throws InterruptedException {
            DevCertificate cert = DevCertificate.generate(Duration.ofDays(1));
            QuicSslContext ssl = QuicSslContextBuilder.forServer(cert.privateKey(), null, cert.certificate())
                    .applicationProtocols(ALPN).build();
            Transport t = Transport.best();
            QuicServerCodecBuilder builder = codec(new QuicServerCodecBuilder(), tuning);
            var gso = gso(t, tuning);
            if (gso != null) {
                builder.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
            }
            ChannelHandler codec = builder.sslContext(ssl)
                    .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }
                    })
                    .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                        @Override
                        protected void initChannel(QuicStreamChannel ch) {
                            ch.pipeline().addLast(new RawServerHandler(RawQuic::fin, true));
                        }
                    }).build();
            group = t.newGroup(1, name(tuning) + "-server");
            channel = udp(t, tuning).group(group).channel(t.datagramChannel())
                    .handler(codec).bind(host, port).sync().channel();
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

    static void fin(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true));
    }

    /** Stops the peer's sending (STOP_SENDING), then closes the stream. */
    static void stopReading(ChannelHandlerContext ctx) {
        ((QuicStreamChannel) ctx.channel()).shutdownInput(0).addListener(f -> ctx.close());
    }

    /** The raw QUIC client target. */
    public static final class ClientTarget implements Target {
        private final InetSocketAddress server;
        private final Tuning tuning;
        private final Transport transport = Transport.best();
        private final EventLoopGroup group;
        private final QuicSslContext ssl = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null)
                .applicationProtocols(ALPN).build();

        /** A client of the raw server at {@code server}, with Netty's UDP defaults. */
        public ClientTarget(InetSocketAddress server) {
            this(server, null);
        }

        /** A client of the raw server at {@code server}; tuned like superquic when the payload is set. */
        public ClientTarget(InetSocketAddress server, Tuning tuning) {
            this.server = server;
            this.tuning = tuning;
            this.group = transport.newGroup(1, RawQuic.name(tuning) + "-client");
        }

        @Override
        public String name() {
            return RawQuic.name(tuning);
        }

        @Override
        public Connection connect() throws Exception {
            ChannelHandler codec = codec(new QuicClientCodecBuilder(), tuning).sslContext(ssl).build();
            Channel udp = udp(transport, tuning).group(group).channel(transport.datagramChannel())
                    .handler(codec).bind(0).sync().channel();
            try {
                var bootstrap = QuicChannel.newBootstrap(udp);
                var gso = gso(transport, tuning);
                if (gso != null) {
                    bootstrap.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
                }
                QuicChannel quic = bootstrap.handler(new ChannelInboundHandlerAdapter())
                        .streamHandler(new ChannelInboundHandlerAdapter()).remoteAddress(server)
                        .connect().get(5, TimeUnit.SECONDS);
                return new RawConnection(udp, quic);
            } catch (Exception e) {
                udp.close();
                throw e;
            }
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static final class RawConnection extends RawConnectionOps {
        private final Channel udp;
        private final QuicChannel quic;

        RawConnection(Channel udp, QuicChannel quic) {
            this.udp = udp;
            this.quic = quic;
        }

        @Override
        void run(byte mode, BooleanSupplier stop, LongConsumer meter, int size) throws Exception {
            RawClientHandler handler = new RawClientHandler(mode, stop, meter, size, RawQuic::fin, RawQuic::stopReading);
            quic.newStreamBootstrap().type(QuicStreamType.BIDIRECTIONAL)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true).handler(handler).create().sync();
            handler.done().get();
        }

        @Override
        public Optional<ConnectionStats> stats() {
            try {
                return Optional.of(ConnectionStats.of(quic).get(1, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (ExecutionException | TimeoutException e) {
                return Optional.empty();
            }
        }

        @Override
        public void close() {
            quic.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}

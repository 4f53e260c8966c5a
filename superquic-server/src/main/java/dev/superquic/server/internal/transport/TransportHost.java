package dev.superquic.server.internal.transport;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.server.CertificateSource;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.internal.connection.ConnectionHandler;
import dev.superquic.server.internal.connection.ConnectionLimits;
import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.connection.StreamInitializer;
import dev.superquic.server.internal.runtime.ServerMetrics;
import dev.superquic.server.internal.runtime.ServerRuntime;
import dev.superquic.server.tls.DevCertificate;
import dev.superquic.tls.Fingerprints;
import dev.superquic.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport host: one event loop group, the QUIC codec built from the config, and the UDP
 * socket. Built once at start-up and never changed.
 */
public final class TransportHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransportHost.class);

    private final EventLoopGroup group;
    private final List<Channel> channels;
    private final String certificateFingerprint;

    private TransportHost(EventLoopGroup group, List<Channel> channels, String fingerprint) {
        this.group = group;
        this.channels = List.copyOf(channels);
        this.certificateFingerprint = fingerprint;
    }

    /** Binds the UDP socket and starts accepting QUIC connections for {@code runtime}. */
    public static TransportHost start(ServerRuntime runtime) throws Exception {
        ServerConfig config = runtime.config();
        SslSetup ssl = sslContext(config);
        StatelessResets resets = runtime.resets();
        QuicServerCodecBuilder codecs = new QuicServerCodecBuilder()
                .sslContext(ssl.context)
                .localConnectionIdLength(StatelessResets.CONNECTION_ID_LENGTH)
                .statelessResetToken(resets.token())
                .resetTokenGenerator(resets.tokenGenerator())
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(config.maxData())
                .initialMaxStreamDataBidirectionalLocal(config.maxStreamData())
                .initialMaxStreamDataBidirectionalRemote(config.maxStreamData())
                .initialMaxStreamDataUnidirectional(config.maxStreamData())
                .initialMaxStreamsBidirectional(config.maxBidiStreams())
                .initialMaxStreamsUnidirectional(config.maxUniStreams())
                .streamOption(ChannelOption.AUTO_READ, false)
                .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .tokenHandler(runtime.retryTokens()) // null: no Retry (Netty's NoQuicTokenHandler)
                .handler(new ConnectionInitializer(runtime))
                .streamHandler(new StreamInitializer(runtime));
        Transport transport = Transport.best();
        Transport.maxUdpPayload(codecs, config.maxUdpPayload(), config.discoverPmtu());
        config.congestionControl().applyTo(codecs);
        var gso = transport.segmentedAllocator(config.maxUdpPayload());
        if (gso != null) {
            codecs.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
        }
        if (config.qlogDirectory() != null) {
            codecs.option(QuicChannelOption.QLOG, Transport.qlog(config.qlogDirectory(), "server"));
            log.warn("writing a qlog of every connection into {} (for diagnosis: it grows with every packet)",
                    config.qlogDirectory());
        }
        // One UDP socket and event loop per thread. All QUIC connections of a socket live on its
        // loop, so several SO_REUSEPORT sockets are what lets the server use every core; the
        // dispatcher encodes the socket in each connection id so packets find their codec.
        int sockets = transport == Transport.EPOLL ? config.ioThreads() : 1;
        EventLoopGroup group = transport.newGroup(sockets, "superquic-io");
        List<Channel> channels = new ArrayList<>();
        try {
            // --host may list several addresses: each gets sockets of its own, which answer from
            // it. A wildcard socket answers each peer from the address that peer used (ReplySource).
            List<String> hosts = hosts(config);
            int port = config.port();
            boolean pinReplies = transport == Transport.EPOLL && ReplySource.available();
            for (String host : hosts) {
                refuseTakenPort(host, port);
                boolean wildcard = pinReplies && isWildcard(host);
                List<Channel> bound = bind(transport, group, codecs, resets, sockets, host, port, config,
                        wildcard ? runtime.metrics() : null);
                channels.addAll(bound);
                port = ((InetSocketAddress) bound.get(0).localAddress()).getPort(); // the rest share a port 0 chose
                log.info("listening on udp {} (transport {}, {} socket(s), ALPN '{}')", bound.get(0).localAddress(),
                        transport, sockets, config.alpn());
                if (wildcard && ((InetSocketAddress) bound.get(0).localAddress()).getAddress() instanceof Inet6Address) {
                    channels.addAll(bindIpv6Addresses(transport, group, codecs, resets, sockets, port, config, hosts));
                }
            }
            if (hosts.stream().anyMatch(TransportHost::isWildcard)) {
                log.info(pinReplies
                        ? "bound to a wildcard address: replies to IPv4 clients leave from the address each client "
                                + "used, and IPv6 addresses of this host have sockets of their own (one added "
                                + "later is answered from the kernel's choice until a restart)"
                        : "bound to a wildcard address: replies may leave from another address of this host than the "
                                + "one the client used (" + (transport != Transport.EPOLL ? "no epoll transport"
                                : SourcedDatagrams.unavailableReason()) + "); list the addresses to serve with "
                                + "--host A,B to answer each from its own");
            }
            log.info("certificate SHA-256 fingerprint {}{}", ssl.fingerprint,
                    ssl.selfSigned ? " (self-signed development certificate)" : "");
            return new TransportHost(group, channels, ssl.fingerprint);
        } catch (Exception e) {
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** The addresses in {@code --host} (comma-separated). */
    static List<String> hosts(ServerConfig config) {
        return java.util.Arrays.stream(config.host().split(",")).map(String::strip).toList();
    }

    /**
     * Binds sockets to each global IPv6 address of this host, beside a dual-stack wildcard socket
     * on the same port. Netty 4.2.18 does not report the destination of IPv6 datagrams, so
     * {@link ReplySource} cannot answer them from it; a socket bound to the address can (the
     * kernel hands a datagram to the most specific socket). Loopback (one address) and link-local
     * addresses need none. An address that cannot be bound is logged and left to the wildcard.
     */
    private static List<Channel> bindIpv6Addresses(Transport transport, EventLoopGroup group,
                                                   QuicServerCodecBuilder codecs, StatelessResets resets, int sockets,
                                                   int port, ServerConfig config, List<String> listed) {
        List<Channel> bound = new ArrayList<>();
        for (InetAddress address : ipv6AddressesOfThisHost()) {
            String host = address.getHostAddress();
            if (listed.stream().anyMatch(h -> h.replace("[", "").replace("]", "").equalsIgnoreCase(host))) {
                continue;
            }
            try {
                List<Channel> more = bind(transport, group, codecs, resets, sockets, host, port, config, null);
                bound.addAll(more);
                log.info("also listening on udp {}, so that its clients get replies from it",
                        more.get(0).localAddress());
            } catch (Exception e) {
                log.warn("could not bind udp [{}]:{} ({}); its clients get replies from the kernel's choice of "
                        + "address", host, port, e.getMessage());
            }
        }
        return bound;
    }

    /** Global and unique-local IPv6 addresses of this host's interfaces that are up. */
    static List<InetAddress> ipv6AddressesOfThisHost() {
        List<InetAddress> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet6Address && !address.isLoopbackAddress()
                            && !address.isLinkLocalAddress() && !address.isMulticastAddress()) {
                        // Without the interface's scope: a global address needs none.
                        addresses.add(InetAddress.getByAddress(address.getAddress()));
                    }
                }
            }
        } catch (java.io.IOException e) {
            log.warn("could not list this host's IPv6 addresses: {}", e.toString());
        }
        return addresses;
    }

    /** Whether {@code host} is a wildcard address (all of this host's addresses). */
    static boolean isWildcard(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return bare.equals("0.0.0.0") || bare.equals("::") || bare.equals("0:0:0:0:0:0:0:0");
    }

    /**
     * Binds {@code sockets} UDP sockets to {@code host}:{@code port}, each with the stateless reset
     * responder and the QUIC codec (behind a dispatcher of their own with several sockets).
     *
     * @param pinMetrics non-null to answer each peer from the address it used (a wildcard host)
     */
    private static List<Channel> bind(Transport transport, EventLoopGroup group, QuicServerCodecBuilder codecs,
                                      StatelessResets resets, int sockets, String host, int port, ServerConfig config,
                                      ServerMetrics pinMetrics)
            throws Exception {
        ChannelHandler quic = sockets == 1
                ? codecs.clone().connectionIdAddressGenerator(resets.connectionIds(new byte[0])).build()
                : new QuicCodecDispatcher(StatelessResets.CONNECTION_ID_LENGTH) {
                    @Override
                    protected QuicConnectionIdGenerator newIdGenerator(int idx) {
                        // The socket's index first, as the dispatcher decodes it; then the tag.
                        return resets.connectionIds(new byte[] {(byte) (idx >>> 8), (byte) idx});
                    }

                    @Override
                    protected void initChannel(Channel ch, int localConnectionIdLength,
                                               QuicConnectionIdGenerator idGenerator) {
                        ch.pipeline().addLast(codecs.clone().localConnectionIdLength(localConnectionIdLength)
                                .connectionIdAddressGenerator(idGenerator).build());
                    }
                };
        int tagOffset = sockets == 1 ? 0 : 2;
        // In front of the codec: packets of connections an earlier process (or another node) had
        // get a stateless reset.
        ReplySource.Destinations destinations = pinMetrics == null ? null
                : new ReplySource.Destinations(config.maxConnections());
        ChannelHandler handler = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (pinMetrics != null) {
                    // First: it learns each datagram's destination, and sends what goes back.
                    ch.pipeline().addLast(new ReplySource(destinations, pinMetrics));
                }
                ch.pipeline().addLast(resets.responder(tagOffset), quic);
            }
        };
        Bootstrap bootstrap = transport.tuneUdp(new Bootstrap(), config.maxUdpPayload()).group(group)
                .channel(transport.datagramChannel()).handler(handler);
        if (pinMetrics != null) {
            bootstrap.option(EpollChannelOption.IP_RECVORIGDSTADDR, true);
        }
        if (transport == Transport.EPOLL) {
            // The server's own sockets share their port: several per address, and sockets bound to
            // IPv6 addresses beside a wildcard one. Another process's are refused at start.
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        List<Channel> bound = new ArrayList<>();
        try {
            Channel first;
            try {
                first = bootstrap.bind(host, port).sync().channel();
            } catch (Exception e) {
                if (e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException
                        || String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw new ServerConfig.InvalidSettingException("port", "udp " + host + ":" + port
                            + " cannot be bound: " + e.getMessage(), port);
                }
                throw e;
            }
            bound.add(first);
            int chosen = ((InetSocketAddress) first.localAddress()).getPort();
            for (int i = 1; i < sockets; i++) {
                bound.add(bootstrap.bind(host, chosen).sync().channel());
            }
            return bound;
        } catch (Exception e) {
            bound.forEach(Channel::close);
            throw e;
        }
    }

    /**
     * Refuses a UDP port that another socket holds. The server's own sockets share their port
     * through SO_REUSEPORT, which would also let this server join the sockets of another process
     * on that port (of the same user): the kernel would then split clients between the two, and
     * every resume and handshake that landed on the wrong one would fail. A plain bind, without
     * SO_REUSEPORT, fails on a port that any socket holds.
     */
    private static void refuseTakenPort(String host, int port) {
        if (port == 0) {
            return; // the kernel picks a free one
        }
        try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open()) {
            probe.bind(new InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new ServerConfig.InvalidSettingException("port", "udp " + host + ":" + port
                    + " is already in use by another socket (" + e.getMessage() + ")", port);
        }
    }

    /** The bound address. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    /** SHA-256 fingerprint of the server certificate. */
    public String certificateFingerprint() {
        return certificateFingerprint;
    }

    /** Closes the socket and stops the event loop, waiting at most {@code timeout}. */
    public void close(Duration timeout) {
        channels.forEach(ch -> ch.close().awaitUninterruptibly(timeout.toMillis()));
        group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(timeout.toMillis());
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private record SslSetup(QuicSslContext context, String fingerprint, boolean selfSigned) {
    }

    private static SslSetup sslContext(ServerConfig config) throws Exception {
        QuicSslContextBuilder builder;
        String fingerprint;
        boolean selfSigned = false;
        switch (config.certificate()) {
            case CertificateSource.SelfSigned s -> {
                DevCertificate dev = DevCertificate.generate(Duration.ofDays(30));
                builder = QuicSslContextBuilder.forServer(dev.privateKey(), null, dev.certificate());
                fingerprint = dev.sha256Fingerprint();
                selfSigned = true;
            }
            case CertificateSource.PemFiles pem -> {
                requireReadable(pem.certificateChain(), "cert");
                requireReadable(pem.privateKey(), "key");
                KeyPairCheck.requireMatch(Pem.firstCertificate(pem.certificateChain()), pem.certificateChain(),
                        pem.privateKey(), pem.password());
                builder = QuicSslContextBuilder.forServer(pem.privateKey().toFile(), pem.password(),
                        pem.certificateChain().toFile());
                fingerprint = Pem.firstCertificateFingerprint(pem.certificateChain());
            }
            case CertificateSource.Pkcs12 p12 -> {
                requireReadable(p12.keyStore(), "pkcs12");
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(p12.keyStore())) {
                    ks.load(in, p12.password().toCharArray());
                } catch (java.io.IOException e) {
                    // A wrong password shows as an UnrecoverableKeyException cause; anything else is the file.
                    boolean password = e.getCause() instanceof java.security.UnrecoverableKeyException;
                    throw new ServerConfig.InvalidSettingException(password ? "pkcs12-password" : "pkcs12",
                            password ? "does not open " + p12.keyStore()
                                    : "cannot be read as a PKCS#12 key store (" + e + ")", p12.keyStore());
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, p12.password().toCharArray());
                builder = QuicSslContextBuilder.forServer(kmf, p12.password());
                fingerprint = Pem.firstCertificateFingerprint(ks);
            }
        }
        QuicSslContext ctx = builder.applicationProtocols(config.alpn()).build();
        return new SslSetup(ctx, fingerprint, selfSigned);
    }

    private static void requireReadable(java.nio.file.Path path, String setting) {
        if (!Files.isReadable(path)) {
            throw new ServerConfig.InvalidSettingException(setting, "file must exist and be readable", path);
        }
    }

    /** Creates the per-connection state and handler; refuses connections while draining. */
    @ChannelHandler.Sharable
    private static final class ConnectionInitializer extends ChannelInitializer<QuicChannel> {
        private final ServerRuntime runtime;

        ConnectionInitializer(ServerRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        protected void initChannel(QuicChannel ch) {
            if (!admitted(ch)) {
                return;
            }
            ConnectionState conn = runtime.newConnection(ch);
            ch.attr(ServerRuntime.CONNECTION).set(conn);
            if (runtime.isDraining()) {
                conn.close(ErrorCode.GOING_AWAY, "server is shutting down");
                return;
            }
            ch.pipeline().addLast(new ConnectionHandler(conn, runtime));
        }

        /**
         * Counts the connection against the limits, or refuses it at once with CONNECTION_REFUSED
         * (a transport error: the handshake has not completed, so there is no application to
         * speak to yet).
         */
        private boolean admitted(QuicChannel ch) {
            if (!(ch.remoteSocketAddress() instanceof InetSocketAddress peer)) {
                return true;
            }
            ConnectionLimits.Refusal refusal = runtime.limits().admit(peer.getAddress());
            if (refusal == null) {
                ch.closeFuture().addListener(f -> runtime.limits().release(peer.getAddress()));
                return true;
            }
            runtime.metrics().connectionRefused(refusal.tag());
            log.debug("connection from {} refused: {} limit reached", peer, refusal.tag());
            ch.close(false, CONNECTION_REFUSED, io.netty.buffer.Unpooled.EMPTY_BUFFER);
            return false;
        }
    }

    /** QUIC's transport error code CONNECTION_REFUSED (RFC 9000, section 20.1). */
    private static final int CONNECTION_REFUSED = 0x02;

    /** Reads certificate fingerprints from PEM files and key stores. */
    static final class Pem {
        private Pem() {
        }

        static String firstCertificateFingerprint(java.nio.file.Path pemFile) throws Exception {
            return Fingerprints.sha256(firstCertificate(pemFile));
        }

        static java.security.cert.X509Certificate firstCertificate(java.nio.file.Path pemFile) throws Exception {
            try (InputStream in = Files.newInputStream(pemFile)) {
                var cf = java.security.cert.CertificateFactory.getInstance("X.509");
                return (java.security.cert.X509Certificate) cf.generateCertificate(in);
            } catch (java.security.cert.CertificateException e) {
                throw new ServerConfig.InvalidSettingException("cert", "must be a PEM X.509 certificate", pemFile);
            }
        }

        static String firstCertificateFingerprint(KeyStore ks) throws Exception {
            for (var aliases = ks.aliases(); aliases.hasMoreElements();) {
                String alias = aliases.nextElement();
                if (ks.getCertificate(alias) instanceof java.security.cert.X509Certificate cert) {
                    return Fingerprints.sha256(cert);
                }
            }
            throw new ServerConfig.InvalidSettingException("pkcs12", "must contain a certificate", "none");
        }
    }
}

package dev.superquic.client;

import dev.superquic.client.TrustConfig.Insecure;
import dev.superquic.client.TrustConfig.PemCa;
import dev.superquic.client.TrustConfig.PinnedSha256;
import dev.superquic.transport.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.FingerprintTrustManagerFactory;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The client: owns one event loop thread and the TLS context, and creates {@link ClientSession}s.
 *
 * <pre>{@code
 * try (SuperQuicClient client = new SuperQuicClient(ClientConfig.builder()
 *         .server("127.0.0.1", 5555).trust(TrustConfig.insecure()).build());
 *      ClientSession session = client.connect();
 *      DuplexStream echo = session.openStream("echo")) {
 *     echo.output().write("hi".getBytes());
 *     echo.finishOutput();
 *     byte[] back = echo.input().readAllBytes();
 * }
 * }</pre>
 */
public final class SuperQuicClient implements AutoCloseable {
    private final ClientConfig config;
    private final Transport transport = Transport.best();
    private final EventLoopGroup group;
    private final QuicSslContext sslContext;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();

    /** Creates a client; nothing is sent until {@link #connect(SessionListener...)}. */
    public SuperQuicClient(ClientConfig config) throws IOException {
        this.config = config;
        this.sslContext = buildSsl(config);
        this.group = transport.newGroup(1, "superquic-client");
    }

    /**
     * Connects and creates or resumes a session (resume when the token store has a token).
     *
     * @throws java.net.ConnectException when the server does not answer
     * @throws javax.net.ssl.SSLException when the handshake fails (trust, ALPN)
     */
    public ClientSession connect(SessionListener... listeners) throws IOException {
        ClientSession session = new ClientSession(this, config);
        sessions.add(session);
        try {
            session.start(List.of(listeners));
        } catch (IOException | RuntimeException e) {
            sessions.remove(session);
            throw e;
        }
        return session;
    }

    /** The settings. */
    public ClientConfig config() {
        return config;
    }

    EventLoopGroup group() {
        return group;
    }

    Transport transport() {
        return transport;
    }

    QuicSslContext sslContext() {
        return sslContext;
    }

    void sessionClosed(ClientSession session) {
        sessions.remove(session);
    }

    /**
     * Closes every session and stops the event loop. Sessions close in parallel: each waits a
     * round trip for the server's close (see {@link ClientSession#close()}).
     */
    @Override
    public void close() {
        try (ExecutorService closers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ClientSession s : new ArrayList<>(sessions)) {
                closers.execute(s::close);
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static QuicSslContext buildSsl(ClientConfig config) throws IOException {
        QuicSslContextBuilder b = QuicSslContextBuilder.forClient();
        switch (config.trust()) {
            case PemCa ca -> {
                if (!Files.isReadable(ca.caFile())) {
                    throw new IOException("CA file " + ca.caFile() + " does not exist or is not readable");
                }
                b.trustManager(ca.caFile().toFile());
            }
            // A pin names the exact certificate, so host name checks add nothing; insecure checks nothing.
            case PinnedSha256 pin -> b.trustManager(FingerprintTrustManagerFactory.builder("SHA-256")
                    .fingerprints(pin.fingerprint()).build()).endpointIdentificationAlgorithm(null);
            case Insecure i -> b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        return b.applicationProtocols(config.alpn()).build();
    }
}

package dev.superquic.cli;

import dev.superquic.demo.DemoServices;
import dev.superquic.ops.OpsEndpoint;
import dev.superquic.server.CertificateSource;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.server.session.SqliteSessionStore;
import dev.superquic.store.redis.RedisSessionStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code superquic server}: runs the server with the demo services until SIGTERM or Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run a superquic server with the demo services (echo, kv, discard, sink, generate).",
            "Each option can also come from the environment (--max-bidi-streams -> SUPERQUIC_MAX_BIDI_STREAMS)",
            "or from a properties file given by --config (max-bidi-streams=200).",
            "Precedence: command line, then environment, then config file, then the default shown."})
final class ServerCommand implements Callable<Integer> {
    private static final ServerConfig DEFAULTS = ServerConfig.builder().build();

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with settings (see above).")
    Path config;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "5555", description = "UDP port (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--alpn", defaultValue = "super-quic", description = "ALPN protocol id. Default: ${DEFAULT-VALUE}.")
    String alpn;

    @Option(names = "--max-bidi-streams", defaultValue = "100",
            description = "Concurrent bidirectional streams per connection, control stream included. Default: ${DEFAULT-VALUE}.")
    long maxBidiStreams;

    @Option(names = "--max-uni-streams", defaultValue = "0",
            description = "Concurrent unidirectional streams per connection. Default: ${DEFAULT-VALUE}.")
    long maxUniStreams;

    @Option(names = "--idle-timeout", defaultValue = "2m", converter = Units.DurationConverter.class,
            description = "QUIC idle timeout. Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(names = "--cert", paramLabel = "PEM", description = "Certificate chain (PEM). Needs --key.")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", description = "Private key (PKCS#8 PEM). Needs --cert.")
    Path key;

    @Option(names = "--key-password", description = "Password of an encrypted --key.")
    String keyPassword;

    @Option(names = "--pkcs12", paramLabel = "FILE", description = "Certificate and key as a PKCS#12 key store.")
    Path pkcs12;

    @Option(names = "--pkcs12-password", defaultValue = "", description = "Password of --pkcs12.")
    String pkcs12Password;

    @Option(names = "--session-ttl", defaultValue = "5m", converter = Units.DurationConverter.class,
            description = "How long a detached session waits for a resume. Default: ${DEFAULT-VALUE}.")
    Duration sessionTtl;

    @Option(names = "--stream-buffer", defaultValue = "256k", converter = Units.SizeConverter.class,
            description = "Per-stream inbound buffer; reading pauses when it is full. Default: ${DEFAULT-VALUE}.")
    long streamBuffer;

    @Option(names = "--stream-write-buffer", defaultValue = "256k", converter = Units.SizeConverter.class,
            description = "Per-stream bytes written but not yet taken by QUIC. Default: ${DEFAULT-VALUE}.")
    long streamWriteBuffer;

    @Option(names = "--max-frame-size", defaultValue = "1m", converter = Units.SizeConverter.class,
            description = "Largest frame on service streams. Default: ${DEFAULT-VALUE}.")
    long maxFrameSize;

    @Option(names = "--hello-timeout", defaultValue = "10s", converter = Units.DurationConverter.class,
            description = "Time a new connection has for the control exchange. Default: ${DEFAULT-VALUE}.")
    Duration helloTimeout;

    @Option(names = "--stream-write-timeout", defaultValue = "2m", converter = Units.DurationConverter.class,
            description = "Reset a stream whose peer takes no data for this long. Default: ${DEFAULT-VALUE}.")
    Duration streamWriteTimeout;

    @Option(names = "--stream-header-timeout", defaultValue = "10s", converter = Units.DurationConverter.class,
            description = "Time a new stream has to send its whole header. Default: ${DEFAULT-VALUE}.")
    Duration streamHeaderTimeout;

    @Option(names = "--frame-read-timeout", defaultValue = "30s", converter = Units.DurationConverter.class,
            description = "Time a frame that has begun to arrive has to arrive whole (streams may idle between "
                    + "frames). Default: ${DEFAULT-VALUE}.")
    Duration frameReadTimeout;

    @Option(names = "--max-connections", defaultValue = "10000",
            description = "QUIC connections held at once, handshakes included; more are refused. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-connections-per-address", defaultValue = "1000",
            description = "QUIC connections held at once from one source address. Default: ${DEFAULT-VALUE}.")
    int maxConnectionsPerAddress;

    @Option(names = "--max-session-keys", defaultValue = "10000",
            description = "Keys one session's state holds at most; a put beyond gets LIMIT_EXCEEDED. Default: ${DEFAULT-VALUE}.")
    int maxSessionKeys;

    @Option(names = "--max-session-chars", defaultValue = "16m", converter = Units.SizeConverter.class,
            description = "Characters of keys and values one session's state holds at most. Default: ${DEFAULT-VALUE}.")
    long maxSessionChars;

    @Option(names = "--max-sessions", defaultValue = "100000",
            description = "Sessions held at most, attached and detached; a hello that needs a new one beyond is refused "
                    + "with LIMIT_EXCEEDED. Default: ${DEFAULT-VALUE}.")
    int maxSessions;

    @Option(names = "--hello-rate-per-address", defaultValue = "100",
            description = "Hellos (new sessions and resumes) one client address may send per second on average; "
                    + "more are refused with LIMIT_EXCEEDED. Default: ${DEFAULT-VALUE}.")
    double helloRatePerAddress;

    @Option(names = "--hello-burst-per-address", defaultValue = "200",
            description = "Hellos one client address may send at once. Default: ${DEFAULT-VALUE}.")
    int helloBurstPerAddress;

    @Option(names = "--inbound-memory-per-connection", defaultValue = "16m", converter = Units.SizeConverter.class,
            description = "Bytes that one connection's unread input may hold: frames still arriving (one beyond fails "
                    + "its stream with LIMIT_EXCEEDED) and streams' buffers beyond 64 KiB each (a stream beyond "
                    + "stops reading until there is room). Default: ${DEFAULT-VALUE}.")
    long inboundMemoryPerConnection;

    @Option(names = "--inbound-memory-total", converter = Units.SizeConverter.class,
            description = "The same for all connections together. Default: a quarter of the heap.")
    Long inboundMemoryTotal;

    @Option(names = "--retry", defaultValue = "under-load", converter = RetryModeConverter.class,
            description = "When to validate a client's address with a QUIC Retry (a round trip more) before keeping "
                    + "any state for it: off, under-load (while more handshakes are in progress than "
                    + "--retry-threshold) or always. Default: ${DEFAULT-VALUE}.")
    dev.superquic.server.RetryMode retry;

    @Option(names = "--retry-threshold", defaultValue = "100",
            description = "Handshakes in progress above which --retry under-load sends Retries. Default: ${DEFAULT-VALUE}.")
    int retryThreshold;

    /** off, under-load, always. */
    static final class RetryModeConverter implements picocli.CommandLine.ITypeConverter<dev.superquic.server.RetryMode> {
        @Override
        public dev.superquic.server.RetryMode convert(String value) {
            try {
                return dev.superquic.server.RetryMode.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("must be off, under-load or always (got " + value + ")");
            }
        }
    }

    @Option(names = "--io-threads", description = "Event loops, each with its own SO_REUSEPORT socket (epoll). Default: the number of cores.")
    Integer ioThreads;

    // ServerConfig checks these and names them in its errors.
    @Mixin
    PathOptions path;

    @Option(names = "--stats-interval", defaultValue = "10s", converter = Units.DurationConverter.class,
            description = "How often each connection's QUIC statistics (packets, loss, RTT, packet size) go into the "
                    + "metrics. Default: ${DEFAULT-VALUE}.")
    Duration statsInterval;

    @Option(names = "--reset-secret", paramLabel = "FILE", defaultValue = "${sys:user.home}/.superquic/reset-secret",
            description = "Secret of the QUIC stateless resets that tell clients at once that a restarted server "
                    + "lost their connection; created (owner-only) if missing. Give every node of a service the "
                    + "same file. Default: ${DEFAULT-VALUE}.")
    java.nio.file.Path resetSecret;

    @Option(names = "--session-store", defaultValue = "sqlite",
            description = "Where sessions live: sqlite (durable, in --data-dir: sessions and their state survive a "
                    + "crash and a restart), memory (lost when the process ends), or a Redis shared by several "
                    + "nodes: redis://[user:password@]host:port[/db], rediss:// for TLS, "
                    + "redis-sentinel://host:port[,host:port]/db#master, redis-cluster://host:port[,host:port]. "
                    + "Default: ${DEFAULT-VALUE}.")
    String sessionStore;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:user.home}/.superquic/data",
            description = "Folder of the durable session store (sessions.db), locked while a server uses it. "
                    + "Default: ${DEFAULT-VALUE}.")
    java.nio.file.Path dataDir;

    @Option(names = "--session-sync", defaultValue = "normal",
            description = "When the durable store's changes reach the disk: normal (within about a second; a "
                    + "crash of the process loses nothing, a power loss up to that second) or full (before each "
                    + "change is acknowledged; slower). Default: ${DEFAULT-VALUE}.")
    String sessionSync;

    @Option(names = "--node-id", description = "This server's name among nodes that share a session store (sessions' "
            + "owners are node/connection; logged at start and in the superquic_node metric). Default: n- and 8 "
            + "random hex digits.")
    String nodeId;

    @Option(names = "--shutdown-grace", defaultValue = "10s", converter = Units.DurationConverter.class,
            description = "On SIGTERM, time open streams get to finish. Default: ${DEFAULT-VALUE}.")
    Duration shutdownGrace;

    /** Log line formats. */
    enum LogFormat { TEXT, JSON }

    @Option(names = "--log-format", defaultValue = "text",
            description = "Log format: text (human) or json (one object per line). Default: ${DEFAULT-VALUE}.")
    LogFormat logFormat;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
            description = "Address of the HTTP endpoint for /metrics, /health, /ready. Default: ${DEFAULT-VALUE}.")
    String metricsHost;

    @Option(names = "--metrics-port", defaultValue = "9555",
            description = "TCP port of that endpoint; 0 picks a free one, -1 turns it off. Default: ${DEFAULT-VALUE}.")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = DEFAULTS.toBuilder().host(host).port(port).alpn(alpn).maxBidiStreams(maxBidiStreams)
                .maxUniStreams(maxUniStreams).idleTimeout(idleTimeout).maxData(path.maxData).maxStreamData(path.maxStreamData)
                .certificate(certificateSource()).sessionTtl(sessionTtl)
                .streamBufferBytes(intSetting("stream-buffer", streamBuffer))
                .streamWriteBufferBytes(intSetting("stream-write-buffer", streamWriteBuffer))
                .maxFrameSize(intSetting("max-frame-size", maxFrameSize)).helloTimeout(helloTimeout)
                .streamWriteTimeout(streamWriteTimeout)
                .ioThreads(ioThreads != null ? ioThreads : DEFAULTS.ioThreads()).maxUdpPayload(path.maxUdpPayload)
                .discoverPmtu(path.discoverPmtu)
                .congestionControl(path.congestionControl).qlogDirectory(path.qlogDir).statsInterval(statsInterval).resetSecretFile(resetSecret)
                .streamHeaderTimeout(streamHeaderTimeout).frameReadTimeout(frameReadTimeout)
                .maxConnections(maxConnections).maxConnectionsPerAddress(maxConnectionsPerAddress)
                .maxSessionKeys(maxSessionKeys).maxSessionChars(maxSessionChars).maxSessions(maxSessions)
                .helloRatePerAddress(helloRatePerAddress).helloBurstPerAddress(helloBurstPerAddress)
                .inboundMemoryPerConnection(inboundMemoryPerConnection)
                .inboundMemoryTotal(inboundMemoryTotal != null ? inboundMemoryTotal : DEFAULTS.inboundMemoryTotal()).retry(retry)
                .retryThreshold(retryThreshold)
                .nodeId(nodeId != null ? nodeId : ServerConfig.randomNodeId())
                .build();
        // Every log line names the node from here on (logback.xml reads the context property).
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
            logback.putProperty("node", config.nodeId());
        }
        if (metricsPort < -1 || metricsPort > 65535) {
            throw new ServerConfig.InvalidSettingException("metrics-port", "must be -1 (off) or 0 to 65535", metricsPort);
        }
        Logger log = LoggerFactory.getLogger("superquic");
        SuperQuicServer.Builder builder = DemoServices.register(SuperQuicServer.builder(config));
        // The endpoint starts first, answering /ready with 503 until the server is up.
        AtomicReference<SuperQuicServer> running = new AtomicReference<>();
        OpsEndpoint ops = null;
        if (metricsPort >= 0) {
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            builder.meterRegistry(prometheus);
            ops = OpsEndpoint.start(new InetSocketAddress(metricsHost, metricsPort), prometheus, () -> {
                SuperQuicServer s = running.get();
                return s != null && s.isReady();
            }, true);
        }
        SessionStore store = null;
        SuperQuicServer server;
        try {
            store = openSessionStore(config);
            if (store != null) {
                builder.sessionStore(store);
            }
            server = builder.start();
            running.set(server);
        } catch (Exception | Error e) {
            if (store != null) {
                store.close();
            }
            if (ops != null) {
                ops.close();
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger signals = new AtomicInteger();
        // Signals instead of a shutdown hook: the first drains, a second one closes at once.
        SignalHandler onSignal = signal -> {
            if (signals.incrementAndGet() == 1) {
                log.info("SIG{} received: shutting down gracefully (send it again to close at once)", signal.getName());
                Thread.ofPlatform().name("superquic-shutdown").start(() -> {
                    server.shutdown(shutdownGrace);
                    stopped.countDown();
                });
            } else {
                log.warn("SIG{} received again: closing all connections now", signal.getName());
                Thread.ofPlatform().name("superquic-shutdown-now").start(() -> {
                    server.shutdownNow();
                    stopped.countDown();
                });
            }
        };
        Signal.handle(new Signal("TERM"), onSignal);
        Signal.handle(new Signal("INT"), onSignal);
        log.info("superquic server ready on udp {} (node {}); Ctrl-C or SIGTERM stops it", server.localAddress(),
                server.nodeId());
        log.info("Netty buffer leak detection: {} (-Dio.netty.leakDetection.level sets it)",
                ResourceLeakDetector.getLevel());
        stopped.await();
        if (store != null) {
            store.close(); // after the server: its last detaches are written
        }
        if (ops != null) {
            ops.close();
        }
        return 0;
    }

    /** How long a Redis command may wait for its answer before the call fails with STORE_UNAVAILABLE. */
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);

    /** The durable store that --session-store asks for, or null for the server's own memory store. */
    private SessionStore openSessionStore(ServerConfig config) {
        SqliteSessionStore.Sync sync = switch (sessionSync.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "normal" -> SqliteSessionStore.Sync.NORMAL;
            case "full" -> SqliteSessionStore.Sync.FULL;
            default -> throw new ServerConfig.InvalidSettingException("session-sync", "must be normal or full",
                    sessionSync);
        };
        String kind = sessionStore.trim();
        if (kind.startsWith("redis://") || kind.startsWith("rediss://") || kind.startsWith("redis-sentinel://")
                || kind.startsWith("redis-cluster://")) {
            try {
                return RedisSessionStore.open(kind, config.sessions().ttl(), config.sessions().maxKeys(),
                        config.sessions().maxChars(), REDIS_TIMEOUT);
            } catch (SessionStoreException e) {
                throw new ServerConfig.InvalidSettingException("session-store", e.getMessage(),
                        RedisSessionStore.redact(kind));
            }
        }
        switch (kind.toLowerCase(java.util.Locale.ROOT)) {
            case "memory" -> {
                return null;
            }
            case "sqlite" -> {
                try {
                    return SqliteSessionStore.open(dataDir, config.sessions().ttl(), config.sessions().maxKeys(),
                            config.sessions().maxChars(), sync);
                } catch (SessionStoreException e) {
                    throw new ServerConfig.InvalidSettingException("data-dir", e.getMessage(), dataDir);
                }
            }
            default -> throw new ServerConfig.InvalidSettingException("session-store",
                    "must be sqlite, memory or a redis:// URI", sessionStore);
        }
    }

    private CertificateSource certificateSource() {
        if (pkcs12 != null) {
            if (cert != null || key != null) {
                throw new ServerConfig.InvalidSettingException("pkcs12", "cannot be combined with --cert/--key", pkcs12);
            }
            return new CertificateSource.Pkcs12(pkcs12, pkcs12Password);
        }
        if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw new ServerConfig.InvalidSettingException(cert == null ? "cert" : "key",
                        "--cert and --key go together", cert == null ? key : cert);
            }
            return new CertificateSource.PemFiles(cert, key, keyPassword);
        }
        return new CertificateSource.SelfSigned();
    }

    private static int intSetting(String name, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new ServerConfig.InvalidSettingException(name, "must be below 2 GiB", value);
        }
        return (int) value;
    }
}

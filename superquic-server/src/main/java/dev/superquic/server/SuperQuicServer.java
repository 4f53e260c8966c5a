package dev.superquic.server;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Protocol;
import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.runtime.ServerRuntime;
import dev.superquic.server.internal.transport.TransportHost;
import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.server.session.SessionStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running superquic server. Start one with {@link #builder(ServerConfig)}, register services,
 * then {@link Builder#start()}; {@link #close()} shuts it down cleanly.
 *
 * <pre>{@code
 * try (SuperQuicServer server = SuperQuicServer.builder(ServerConfig.builder().port(0).build())
 *         .service("echo", stream -> stream.input().transferTo(stream.output()))
 *         .start()) {
 *     int port = server.localAddress().getPort();
 * }
 * }</pre>
 */
public final class SuperQuicServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SuperQuicServer.class);
    private static final Pattern SERVICE_NAME = dev.superquic.protocol.Messages.NAME;
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

    private final ServerRuntime runtime;
    private final TransportHost host;
    private final SessionStore store;
    private final boolean ownsStore;
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private SuperQuicServer(ServerRuntime runtime, TransportHost host, SessionStore store, boolean ownsStore) {
        this.runtime = runtime;
        this.host = host;
        this.store = store;
        this.ownsStore = ownsStore;
    }

    /** A builder for a server with these settings. */
    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /** The bound UDP address (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return host.localAddress();
    }

    /** SHA-256 fingerprint of the server certificate, for clients that pin it. */
    public String certificateFingerprint() {
        return host.certificateFingerprint();
    }

    /** This server's node id: sessions it holds are owned by {@code nodeId/connectionId}. */
    public String nodeId() {
        return runtime.nodeId();
    }

    /** The settings the server runs with. */
    public ServerConfig config() {
        return runtime.config();
    }

    /**
     * Sends on channel {@code name} of session {@code sessionId}, whether or not the session is
     * connected: messages wait in the session store until the client acknowledges them, or drop
     * with the session when it expires (counted in {@code superquic_channel_messages_expired_total}).
     *
     * @throws IllegalArgumentException if no channel service has this name
     */
    public ChannelPublisher channel(String sessionId, String name) {
        return runtime.channel(sessionId, name);
    }

    /** The session store. */
    public SessionStore sessionStore() {
        return store;
    }

    /** The server's meter registry. */
    public MeterRegistry meterRegistry() {
        return runtime.metrics().registry();
    }

    /** Open connections right now. */
    public long activeConnections() {
        return runtime.metrics().activeConnections();
    }

    /** Open streams right now, control streams included. */
    public long activeStreams() {
        return runtime.metrics().activeStreams();
    }

    /** Backpressure pauses since start. */
    public long backpressureEvents() {
        return runtime.metrics().backpressureEvents();
    }

    /**
     * Any thread: one line per open stream, with its connection, session, service and state
     * (bytes buffered each way, FINs, what is in flight), for diagnosing a stream that stalled;
     * read without the event loops, so a line may be a moment old.
     */
    public java.util.List<String> describeStreams() {
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (var conn : runtime.connections()) {
            for (var stream : conn.streams().values()) {
                lines.add("conn=" + conn.id() + " session=" + conn.sessionIdOrNull() + " service=" + stream.service()
                        + " " + stream.stream().describe());
            }
        }
        return lines;
    }

    /** Bytes received on all streams and not yet consumed by services (bounded per stream). */
    public long bufferedInboundBytes() {
        return runtime.bufferedInboundBytes();
    }

    /** Whether the server accepts new connections and streams (false while draining or closed). */
    public boolean isReady() {
        return !runtime.isDraining();
    }

    /**
     * Shuts down cleanly: readiness goes false and no new connections or streams are accepted;
     * every client is told on its control stream that the server is going away; open service
     * streams get up to {@code grace} to finish; then every connection is closed with GOING_AWAY
     * and the socket, threads and (if the server created it) the session store are released.
     * Idempotent; blocks until done.
     */
    public void shutdown(Duration grace) {
        if (!shutdownStarted.compareAndSet(false, true)) {
            return;
        }
        log.info("shutting down: draining for up to {} ms", grace.toMillis());
        runtime.startDraining();
        long deadline = System.nanoTime() + grace.toNanos();
        List<io.netty.channel.ChannelFuture> open = new ArrayList<>();
        for (ConnectionState c : runtime.connections()) {
            c.sendGoAway(grace);
            c.streams().forEach((id, s) -> {
                if (id != Protocol.CONTROL_STREAM_ID) {
                    open.add(s.stream().channel().closeFuture());
                }
            });
        }
        long unfinished = awaitAll(open, deadline);
        if (unfinished > 0) {
            log.warn("grace period over with {} stream(s) still open; closing them", unfinished);
        } else {
            log.info("all {} open stream(s) finished", open.size());
        }
        closeEverything();
    }

    /** Closes every connection at once, without a grace period (a second Ctrl-C). Idempotent. */
    public void shutdownNow() {
        shutdownStarted.set(true);
        runtime.startDraining();
        closeEverything();
    }

    private void closeEverything() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<io.netty.channel.ChannelFuture> closing = new ArrayList<>();
        for (ConnectionState c : runtime.connections()) {
            c.close(ErrorCode.GOING_AWAY, "server is shutting down");
            closing.add(c.channel().closeFuture());
        }
        long unclosed = awaitAll(closing, System.nanoTime() + Duration.ofSeconds(2).toNanos());
        log.info("connections closed ({} did not confirm in time)", unclosed);
        host.close(Duration.ofSeconds(5));
        try {
            runtime.handoff().awaitIdle(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsStore) {
            store.close();
        }
        log.info("shut down");
    }

    /** Waits for the futures until the deadline; returns how many did not complete. */
    private static long awaitAll(List<io.netty.channel.ChannelFuture> futures, long deadlineNanos) {
        for (io.netty.channel.ChannelFuture f : futures) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0 || !f.awaitUninterruptibly(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(remaining))) {
                break;
            }
        }
        return futures.stream().filter(f -> !f.isDone()).count();
    }

    /** {@link #shutdown(Duration)} with a 10 s grace period. */
    @Override
    public void close() {
        shutdown(DEFAULT_GRACE);
    }

    /** Collects services and collaborators, then starts the server. */
    public static final class Builder {
        private final ServerConfig config;
        private final Map<String, StreamService> services = new LinkedHashMap<>();
        private final Map<String, ChannelService> channels = new LinkedHashMap<>();
        private SessionStore store;
        private MeterRegistry registry;

        private Builder(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Registers a service under {@code name} (letters, digits, '.', '_', '-'; at most 64). */
        public Builder service(String name, StreamService service) {
            if (!SERVICE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid service name '" + name + "'");
            }
            if (services.putIfAbsent(name, Objects.requireNonNull(service, "service")) != null) {
                throw new IllegalArgumentException("service '" + name + "' registered twice");
            }
            return this;
        }

        /**
         * Registers a channel service under {@code name} (letters, digits, '.', '_', '-'; at most
         * 64): clients reach it with {@code session.channel(name)}. Needs a session store that
         * keeps channels (the in-memory and SQLite stores do); with another, channel opens are
         * refused with UNKNOWN_SERVICE and a warning is logged at start.
         */
        public Builder channel(String name, ChannelService service) {
            if (!SERVICE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid channel name '" + name + "'");
            }
            if (channels.putIfAbsent(name, Objects.requireNonNull(service, "service")) != null) {
                throw new IllegalArgumentException("channel '" + name + "' registered twice");
            }
            return this;
        }

        /** Uses this store instead of a new in-memory one; the caller keeps ownership and closes it. */
        public Builder sessionStore(SessionStore store) {
            this.store = store;
            return this;
        }

        /**
         * Registers meters here instead of in a private registry. To serve them over HTTP, pass a
         * Prometheus registry and start {@code dev.superquic.ops.OpsEndpoint} (module
         * {@code superquic-ops}) on it, with this server's {@link SuperQuicServer#isReady()}.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Binds the socket and starts serving. */
        public SuperQuicServer start() throws Exception {
            boolean ownsStore = store == null;
            SessionStore s = ownsStore
                    ? new InMemorySessionStore(config.sessions().ttl(), config.sessions().maxKeys(),
                            config.sessions().maxChars())
                    : store;
            MeterRegistry r = registry != null ? registry : new SimpleMeterRegistry();
            try {
                // Inside the try: a bad setting found here (the reset secret) must close the store too.
                ServerRuntime runtime = new ServerRuntime(config, services, channels, s, r);
                runtime.startDraining(); // not ready until the socket is bound
                TransportHost host = TransportHost.start(runtime);
                log.info("services: {}{}", services.keySet(), channels.isEmpty() ? "" : ", channels: " + channels.keySet());
                SuperQuicServer server = new SuperQuicServer(runtime, host, s, ownsStore);
                runtime.ready();
                return server;
            } catch (Exception e) {
                if (ownsStore) {
                    s.close();
                }
                throw e;
            }
        }
    }
}

package dev.superquic.server;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.server.internal.ConnectionState;
import dev.superquic.server.internal.ServerRuntime;
import dev.superquic.server.internal.TransportHost;
import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.server.session.SessionStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
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
    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

    private final ServerRuntime runtime;
    private final TransportHost host;
    private final SessionStore store;
    private final boolean ownsStore;
    private volatile boolean closed;

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

    /** The settings the server runs with. */
    public ServerConfig config() {
        return runtime.config();
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

    /** Bytes received on all streams and not yet consumed by services (bounded per stream). */
    public long bufferedInboundBytes() {
        return runtime.bufferedInboundBytes();
    }

    /**
     * Shuts down: stops accepting connections and streams, gives open service streams up to
     * {@code grace} to finish, closes every connection with GOING_AWAY, then releases the socket,
     * threads and (if the server created it) the session store. Idempotent.
     */
    public void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        log.info("shutting down: draining for up to {} ms", grace.toMillis());
        runtime.startDraining();
        long deadline = System.nanoTime() + grace.toNanos();
        while (serviceStreams() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000L);
        }
        for (ConnectionState c : runtime.connections()) {
            c.close(ErrorCode.GOING_AWAY, "server is shutting down");
        }
        long closeDeadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (runtime.metrics().activeConnections() > 0 && System.nanoTime() < closeDeadline) {
            LockSupport.parkNanos(10_000_000L);
        }
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

    private long serviceStreams() {
        long n = 0;
        for (ConnectionState c : runtime.connections()) {
            n += c.streams().size() - (c.streams().containsKey(0L) ? 1 : 0);
        }
        return n;
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

        /** Uses this store instead of a new in-memory one; the caller keeps ownership and closes it. */
        public Builder sessionStore(SessionStore store) {
            this.store = store;
            return this;
        }

        /** Registers meters here instead of in a private registry. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Binds the socket and starts serving. */
        public SuperQuicServer start() throws Exception {
            boolean ownsStore = store == null;
            SessionStore s = ownsStore ? new InMemorySessionStore(config.sessionTtl()) : store;
            MeterRegistry r = registry != null ? registry : new SimpleMeterRegistry();
            ServerRuntime runtime = new ServerRuntime(config, services, s, r);
            try {
                TransportHost host = TransportHost.start(runtime);
                log.info("services: {}", services.keySet());
                return new SuperQuicServer(runtime, host, s, ownsStore);
            } catch (Exception e) {
                if (ownsStore) {
                    s.close();
                }
                throw e;
            }
        }
    }
}

package dev.superquic.server.internal.runtime;

import dev.superquic.server.ServerConfig;
import dev.superquic.server.StreamService;
import dev.superquic.server.internal.connection.ConnectionLimits;
import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.connection.StreamState;
import dev.superquic.server.internal.protocol.ChannelMetrics;
import dev.superquic.server.internal.protocol.ServerChannels;
import dev.superquic.server.internal.protocol.StreamProtocol;
import dev.superquic.server.internal.session.HelloRateLimit;
import dev.superquic.server.internal.session.SessionManager;
import dev.superquic.server.internal.transport.ResetSecret;
import dev.superquic.server.internal.transport.RetryTokens;
import dev.superquic.server.internal.transport.StatelessResets;
import dev.superquic.server.session.SessionStore;
import dev.superquic.stream.internal.InboundBudget;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.AttributeKey;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's shared parts, wired once at start-up: config, metrics, sessions, protocol and
 * the hand-off. Event-loop handlers and virtual threads reach each other only through it.
 */
public final class ServerRuntime {
    public static final AttributeKey<ConnectionState> CONNECTION = AttributeKey.valueOf("superquic.connection");

    private final ServerConfig config;
    private final String nodeId;
    private final ServerMetrics metrics;
    private final SessionManager sessions;
    private final StreamProtocol protocol;
    private final ServerChannels channels;
    private final VirtualThreadHandoff handoff = new VirtualThreadHandoff();
    private final StatelessResets resets;
    /** Retry tokens when the server validates addresses with Retry, else null. */
    private final RetryTokens retryTokens;
    /** Handshakes in progress, for {@link dev.superquic.server.RetryMode#UNDER_LOAD}. */
    private final AtomicInteger handshakes = new AtomicInteger();
    private final ConnectionLimits limits;
    /** What frames still arriving may hold, all connections together. */
    private final InboundBudget inboundMemory;
    private final Map<String, ConnectionState> connections = new ConcurrentHashMap<>();
    private final AtomicLong connectionSeq = new AtomicLong();
    private volatile boolean draining;

    /** Wires the runtime. */
    public ServerRuntime(ServerConfig config, Map<String, StreamService> services,
                         Map<String, dev.superquic.server.ChannelService> channelServices, SessionStore store,
                         MeterRegistry registry) {
        this.config = config;
        this.nodeId = config.nodeId() != null ? config.nodeId() : ServerConfig.randomNodeId();
        this.metrics = new ServerMetrics(registry, store, nodeId);
        this.inboundMemory = new InboundBudget(config.inboundMemoryTotal(), null);
        this.limits = new ConnectionLimits(config.maxConnections(), config.maxConnectionsPerAddress());
        byte[] secret = config.resetSecretFile() == null ? ResetSecret.ephemeral()
                : ResetSecret.loadOrCreate(config.resetSecretFile());
        this.resets = new StatelessResets(secret);
        this.retryTokens = switch (config.retry()) {
            case OFF -> null;
            case ALWAYS -> new RetryTokens(secret, () -> true);
            case UNDER_LOAD -> new RetryTokens(secret, () -> handshakes.get() > config.retryThreshold());
        };
        this.sessions = new SessionManager(store, metrics, nodeId, connections::get,
                HexFormat.of().formatHex(resets.token()), config.sessions().maxSessions(),
                new HelloRateLimit(config.helloRatePerAddress(), config.helloBurstPerAddress()));
        this.channels = new ServerChannels(store.channelLog().orElse(null), channelServices, config.channels(),
                sessions, new ChannelMetrics(registry), config.maxFrameSize());
        store.onExpired(channels::forget);
        this.protocol = new StreamProtocol(sessions, services, channels, metrics);
        io.micrometer.core.instrument.Gauge.builder("superquic.streams.inbound.buffered", this,
                        ServerRuntime::bufferedInboundBytes).baseUnit("bytes")
                .description("bytes received on streams and not yet consumed by services").register(registry);
        io.micrometer.core.instrument.Gauge.builder("superquic.inbound.memory", inboundMemory, InboundBudget::used)
                .baseUnit("bytes").description("bytes of unread input held against --inbound-memory-total: frames still "
                        + "arriving and streams' buffers (control streams not counted)").register(registry);
        io.micrometer.core.instrument.Gauge.builder("superquic.connections.held", limits, ConnectionLimits::held)
                .description("QUIC connections held, handshakes included: what the connection limits count")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("superquic.ready", this, r -> r.draining ? 0 : 1)
                .description("1 while the server accepts connections, 0 while starting or draining").register(registry);
    }

    /** Bytes received on all streams and not yet read by their services. */
    public long bufferedInboundBytes() {
        long total = 0;
        for (ConnectionState c : connections.values()) {
            for (StreamState s : c.streams().values()) {
                total += s.stream().bufferedInboundBytes();
            }
        }
        return total;
    }

    /** The settings. */
    public ServerConfig config() {
        return config;
    }

    /** This process's node id (owner prefix in the session store). */
    public String nodeId() {
        return nodeId;
    }

    /** The meters. */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** Sends on a session's channel, for server code; see {@link dev.superquic.server.SuperQuicServer#channel}. */
    public dev.superquic.server.ChannelPublisher channel(String sessionId, String name) {
        return channels.publisher(sessionId, name);
    }

    /** The hand-off to virtual threads. */
    public VirtualThreadHandoff handoff() {
        return handoff;
    }

    /** The connection limits, total and per source address. */
    public ConnectionLimits limits() {
        return limits;
    }

    /** A connection's handshake began (its first packet was admitted). */
    public void handshakeStarted() {
        handshakes.incrementAndGet();
    }

    /** A connection's handshake ended: completed, failed, or the connection went away. */
    public void handshakeEnded() {
        handshakes.decrementAndGet();
    }

    /** Retry tokens unless {@link ServerConfig#retry()} is off, else null. */
    public RetryTokens retryTokens() {
        return retryTokens;
    }

    /** Stateless resets: the token, connection ids, and the responder for unknown connections. */
    public StatelessResets resets() {
        return resets;
    }

    public SessionManager sessions() {
        return sessions;
    }

    public StreamProtocol protocol() {
        return protocol;
    }

    /** Open connections. */
    public Collection<ConnectionState> connections() {
        return connections.values();
    }

    /** Whether shutdown has begun: new streams are refused. */
    public boolean isDraining() {
        return draining;
    }

    /** Starts refusing new streams and connections (readiness false). */
    public void startDraining() {
        draining = true;
    }

    /** Starts accepting (readiness true); called once the socket is bound. */
    public void ready() {
        draining = false;
    }

    public ConnectionState newConnection(io.netty.handler.codec.quic.QuicChannel channel) {
        return new ConnectionState("c" + connectionSeq.incrementAndGet(), nodeId, channel,
                new InboundBudget(config.inboundMemoryPerConnection(), inboundMemory));
    }

    public void connectionOpened(ConnectionState conn) {
        connections.put(conn.id(), conn);
        metrics.connectionOpened();
    }

    public void connectionClosed(ConnectionState conn) {
        connections.remove(conn.id());
        metrics.connectionClosed();
    }
}

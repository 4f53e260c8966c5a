package dev.superquic.server;

import dev.superquic.channel.ChannelSettings;
import dev.superquic.protocol.Protocol;
import dev.superquic.stream.StreamSettings;
import dev.superquic.transport.CongestionControl;
import dev.superquic.transport.TransportSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Transport and protocol settings of a server, fixed at start-up. Build with {@link #builder()};
 * {@link Builder#build()} refuses invalid values with an {@link InvalidSettingException} naming
 * the setting as the CLI spells it.
 *
 * @param host address to bind (default {@code 0.0.0.0}), or several separated by commas: each
 *     gets sockets of its own, and replies leave from the address the client used (from a
 *     wildcard socket too, on Linux; see docs/OPERATIONS.md)
 * @param port UDP port (default 5555; 0 picks a free one)
 * @param alpn ALPN protocol id (default {@code super-quic})
 * @param maxBidiStreams concurrent bidirectional streams a client may open, control stream included
 * @param maxUniStreams concurrent unidirectional streams a client may open (default 0: none)
 * @param transport the QUIC transport settings that the client has too: idle timeout (default 2
 *     minutes), flow-control windows, UDP payload size and PMTU discovery, congestion controller
 *     (default BBR), qlog directory
 * @param certificate TLS certificate source
 * @param sessions how sessions outlive connections: how long a detached one waits for a resume
 *     (default 5 minutes), how many the server holds (100,000) and how much state each holds
 *     (10,000 keys, 16 Mi characters)
 * @param streams how each stream buffers, frames and waits, as on the client: inbound buffer
 *     (default 256 KiB), write buffer (256 KiB), largest frame on service streams (1 MiB), how
 *     long a writer waits for a peer that takes nothing (2 minutes)
 * @param helloTimeout time a new connection has to complete the control exchange
 * @param ioThreads event loops, each with its own SO_REUSEPORT UDP socket (epoll only; NIO uses
 *     one); default: the number of cores
 * @param statsInterval how often each connection's QUIC statistics (packets sent, received, lost,
 *     retransmitted; round-trip time; packet size) go into the metrics; a closing connection's go
 *     in at its close
 * @param resetSecretFile file holding the secret that QUIC stateless reset tokens derive from,
 *     created (owner-only) if missing, so that a restarted server, or another node given the same
 *     file, can reset clients' dead connections at once; null (the library default): a random
 *     secret per process, whose resets only a client of this same process knows
 * @param streamHeaderTimeout time a new service stream has to send its whole header
 * @param frameReadTimeout time a frame that has begun to arrive (on any stream read as frames)
 *     has to arrive whole; between frames a stream may idle
 * @param maxConnections QUIC connections held at once, handshakes included; more are refused
 * @param maxConnectionsPerAddress QUIC connections held at once from one source address
 * @param helloRatePerAddress hellos (new sessions and resumes) one source address may send per
 *     second on average
 * @param helloBurstPerAddress hellos one source address may send at once
 * @param inboundMemoryPerConnection bytes that a connection's input may hold before it is read:
 *     frames still arriving (a frame's buffer grows as its bytes arrive; one that does not fit
 *     fails its stream with LIMIT_EXCEEDED) and what streams buffer beyond 64 KiB each (a
 *     stream that finds it spent stops reading until there is room, so flow control holds its
 *     sender)
 * @param inboundMemoryTotal the same for all connections together (default: a quarter of the heap)
 * @param retry when to validate client addresses with a QUIC Retry before any connection state
 *     (costs a new connection a round trip; until then the server sends only the Retry)
 * @param retryThreshold with {@link RetryMode#UNDER_LOAD}: handshakes in progress above which new
 *     connections get a Retry
 * @param nodeId this server's name among the nodes that share a session store: owners of sessions
 *     are {@code nodeId/connectionId}; null (the default): {@link #randomNodeId()}, drawn at start
 * @param channels the bounds of each channel's replay buffer and how long a send waits for room
 */
public record ServerConfig(String host, int port, String alpn, long maxBidiStreams, long maxUniStreams,
                           TransportSettings transport, CertificateSource certificate, SessionSettings sessions, StreamSettings streams,
                           Duration helloTimeout, int ioThreads, Duration statsInterval, java.nio.file.Path resetSecretFile,
                           Duration streamHeaderTimeout, Duration frameReadTimeout, int maxConnections,
                           int maxConnectionsPerAddress, double helloRatePerAddress, int helloBurstPerAddress,
                           long inboundMemoryPerConnection, long inboundMemoryTotal, RetryMode retry,
                           int retryThreshold, String nodeId, ChannelSettings channels)
        implements TransportSettings.Owner, StreamSettings.Owner {

    /** Validates every field; see {@link Builder#build()}. */
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(helloTimeout, "helloTimeout");
        Objects.requireNonNull(streams, "streams");
        Objects.requireNonNull(statsInterval, "statsInterval");
        Objects.requireNonNull(streamHeaderTimeout, "streamHeaderTimeout");
        Objects.requireNonNull(frameReadTimeout, "frameReadTimeout");
        check(!streamHeaderTimeout.isNegative() && !streamHeaderTimeout.isZero(), "stream-header-timeout",
                "must be positive", streamHeaderTimeout);
        check(!frameReadTimeout.isNegative() && !frameReadTimeout.isZero(), "frame-read-timeout", "must be positive",
                frameReadTimeout);
        check(maxConnections >= 1, "max-connections", "must be at least 1", maxConnections);
        check(maxConnectionsPerAddress >= 1 && maxConnectionsPerAddress <= maxConnections,
                "max-connections-per-address", "must be between 1 and max-connections", maxConnectionsPerAddress);
        check(helloRatePerAddress > 0, "hello-rate-per-address", "must be positive", helloRatePerAddress);
        check(helloBurstPerAddress >= 1, "hello-burst-per-address", "must be at least 1", helloBurstPerAddress);
        check(inboundMemoryPerConnection >= 64 * 1024, "inbound-memory-per-connection", "must be at least 64 KiB",
                inboundMemoryPerConnection);
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(channels, "channels");
        check(nodeId == null || nodeId.matches("[A-Za-z0-9._-]{1,64}"), "node-id",
                "must be 1 to 64 letters, digits, '.', '_' or '-'", nodeId);
        check(retryThreshold >= 0, "retry-threshold", "must not be negative", retryThreshold);
        check(inboundMemoryTotal >= inboundMemoryPerConnection, "inbound-memory-total",
                "must be at least inbound-memory-per-connection", inboundMemoryTotal);
        check(java.util.Arrays.stream(host.split(",", -1)).noneMatch(String::isBlank), "host",
                "must be one address, or several separated by commas", host);
        check(port >= 0 && port <= 65535, "port", "must be between 0 and 65535", port);
        int alpnBytes = alpn.getBytes(StandardCharsets.US_ASCII).length;
        check(alpnBytes >= 1 && alpnBytes <= 255 && alpn.chars().allMatch(c -> c > 32 && c < 127),
                "alpn", "must be 1 to 255 printable ASCII characters", alpn);
        check(maxBidiStreams >= 1 && maxBidiStreams <= (1L << 60), "max-bidi-streams",
                "must be between 1 and 2^60 (the control stream needs one)", maxBidiStreams);
        check(maxUniStreams >= 0 && maxUniStreams <= (1L << 60), "max-uni-streams",
                "must be between 0 and 2^60", maxUniStreams);
        check(!helloTimeout.isNegative() && !helloTimeout.isZero(), "hello-timeout", "must be positive",
                helloTimeout);
        check(ioThreads >= 1 && ioThreads <= 256, "io-threads", "must be between 1 and 256", ioThreads);
        check(statsInterval.compareTo(Duration.ofMillis(100)) >= 0, "stats-interval", "must be at least 100ms",
                statsInterval);
    }

    /** Throws an {@link InvalidSettingException} for {@code setting} unless {@code ok}. */
    static void check(boolean ok, String setting, String rule, Object value) {
        if (!ok) {
            throw new InvalidSettingException(setting, rule, value);
        }
    }

    /** A node id for a server given none: {@code n-} and 8 random hex digits. */
    public static String randomNodeId() {
        return "n-" + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextInt());
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).alpn(alpn).maxBidiStreams(maxBidiStreams)
                .maxUniStreams(maxUniStreams).transport(transport).certificate(certificate).sessions(sessions)
                .streams(streams).helloTimeout(helloTimeout).ioThreads(ioThreads)
                .statsInterval(statsInterval)
                .resetSecretFile(resetSecretFile).streamHeaderTimeout(streamHeaderTimeout)
                .frameReadTimeout(frameReadTimeout).maxConnections(maxConnections)
                .maxConnectionsPerAddress(maxConnectionsPerAddress).helloRatePerAddress(helloRatePerAddress)
                .helloBurstPerAddress(helloBurstPerAddress).inboundMemoryPerConnection(inboundMemoryPerConnection)
                .inboundMemoryTotal(inboundMemoryTotal).retry(retry).retryThreshold(retryThreshold)
                .nodeId(nodeId)
                .channels(channels);
    }

    /** A setting was out of range; the message names it (transport settings throw the superclass). */
    public static final class InvalidSettingException extends dev.superquic.transport.InvalidSettingException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception. */
        public InvalidSettingException(String setting, String rule, Object value) {
            super(setting, rule, value);
        }
    }

    /** Mutable builder of {@link ServerConfig}; defaults are production-sensible. */
    public static final class Builder {
        private static final TransportSettings DEFAULT_TRANSPORT = TransportSettings.defaults(Duration.ofMinutes(2));
        private String host = "0.0.0.0";
        private int port = Protocol.DEFAULT_PORT;
        private String alpn = Protocol.DEFAULT_ALPN;
        private long maxBidiStreams = 100;
        private long maxUniStreams = 0;
        private Duration idleTimeout = DEFAULT_TRANSPORT.idleTimeout();
        private long maxData = DEFAULT_TRANSPORT.maxData();
        private long maxStreamData = DEFAULT_TRANSPORT.maxStreamData();
        private CertificateSource certificate = new CertificateSource.SelfSigned();
        private Duration sessionTtl = SessionSettings.DEFAULT.ttl();
        private int streamBufferBytes = 256 * 1024;
        private int streamWriteBufferBytes = 256 * 1024;
        private int maxFrameSize = Protocol.DEFAULT_MAX_FRAME;
        private Duration helloTimeout = Duration.ofSeconds(10);
        private Duration streamWriteTimeout = Duration.ofMinutes(2);
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private int maxUdpPayload = DEFAULT_TRANSPORT.maxUdpPayload();
        private boolean discoverPmtu;
        private Duration statsInterval = Duration.ofSeconds(10);
        private java.nio.file.Path resetSecretFile;
        private Duration streamHeaderTimeout = Duration.ofSeconds(10);
        private Duration frameReadTimeout = Duration.ofSeconds(30);
        private int maxConnections = 10_000;
        private int maxConnectionsPerAddress = 1_000;
        private int maxSessionKeys = SessionSettings.DEFAULT.maxKeys();
        private long maxSessionChars = SessionSettings.DEFAULT.maxChars();
        private int maxSessions = SessionSettings.DEFAULT.maxSessions();
        private double helloRatePerAddress = 100;
        private int helloBurstPerAddress = 200;
        private long inboundMemoryPerConnection = 16L * 1024 * 1024;
        private long inboundMemoryTotal = Math.max(16L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 4);
        private RetryMode retry = RetryMode.UNDER_LOAD;
        private int retryThreshold = 100;
        private CongestionControl congestionControl = DEFAULT_TRANSPORT.congestionControl();
        private java.nio.file.Path qlogDirectory;
        private ChannelSettings channels = ChannelSettings.DEFAULT;
        private String nodeId;

        private Builder() {
        }

        /** Bind address. */
        public Builder host(String v) { host = v; return this; }

        /** UDP port; 0 picks a free one. */
        public Builder port(int v) { port = v; return this; }

        /** ALPN id. */
        public Builder alpn(String v) { alpn = v; return this; }

        /** Concurrent bidirectional streams per connection (control stream included). */
        public Builder maxBidiStreams(long v) { maxBidiStreams = v; return this; }

        /** Concurrent unidirectional streams per connection. */
        public Builder maxUniStreams(long v) { maxUniStreams = v; return this; }

        /** QUIC idle timeout. */
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }

        /** Connection flow-control window. */
        public Builder maxData(long v) { maxData = v; return this; }

        /** Per-stream flow-control window. */
        public Builder maxStreamData(long v) { maxStreamData = v; return this; }

        /** Certificate source. */
        public Builder certificate(CertificateSource v) { certificate = v; return this; }

        /** Detached-session TTL. */
        public Builder sessionTtl(Duration v) { sessionTtl = v; return this; }

        /** Per-stream inbound buffer bound. */
        public Builder streamBufferBytes(int v) { streamBufferBytes = v; return this; }

        /** Per-stream outbound in-flight bound. */
        public Builder streamWriteBufferBytes(int v) { streamWriteBufferBytes = v; return this; }

        /** Largest frame on service streams. */
        public Builder maxFrameSize(int v) { maxFrameSize = v; return this; }

        /** Time allowed for the control exchange. */
        public Builder helloTimeout(Duration v) { helloTimeout = v; return this; }

        /** How long a stream writer may wait while the peer takes no data. */
        public Builder streamWriteTimeout(Duration v) { streamWriteTimeout = v; return this; }

        /** Event loops (and SO_REUSEPORT sockets). */
        public Builder ioThreads(int v) { ioThreads = v; return this; }

        /**
         * Largest UDP payload sent and accepted; raise only where every hop carries it, or with
         * {@link #discoverPmtu(boolean)}.
         */
        public Builder maxUdpPayload(int v) { maxUdpPayload = v; return this; }

        /** Search each path for the largest payload it carries, up to {@link #maxUdpPayload(int)}. */
        public Builder discoverPmtu(boolean v) { discoverPmtu = v; return this; }

        /** How often each connection's QUIC statistics go into the metrics. */
        public Builder statsInterval(Duration v) { statsInterval = v; return this; }

        /**
         * File of the stateless-reset secret (created if missing); null: a random secret per
         * process. Give every node of a service the same file.
         */
        public Builder resetSecretFile(java.nio.file.Path v) { resetSecretFile = v; return this; }

        /** Time a new service stream has to send its whole header. */
        public Builder streamHeaderTimeout(Duration v) { streamHeaderTimeout = v; return this; }

        /** Time a begun frame has to arrive whole. */
        public Builder frameReadTimeout(Duration v) { frameReadTimeout = v; return this; }

        /** QUIC connections held at once, handshakes included. */
        public Builder maxConnections(int v) { maxConnections = v; return this; }

        /** QUIC connections held at once from one source address. */
        public Builder maxConnectionsPerAddress(int v) { maxConnectionsPerAddress = v; return this; }

        /** Keys one session's state holds at most. */
        public Builder maxSessionKeys(int v) { maxSessionKeys = v; return this; }

        /** Characters of keys and values one session's state holds at most. */
        public Builder maxSessionChars(long v) { maxSessionChars = v; return this; }

        /** Sessions held at most, attached and detached. */
        public Builder maxSessions(int v) { maxSessions = v; return this; }

        /** All the session settings at once. */
        public Builder sessions(SessionSettings v) {
            return sessionTtl(v.ttl()).maxSessions(v.maxSessions()).maxSessionKeys(v.maxKeys())
                    .maxSessionChars(v.maxChars());
        }

        /** Hellos one source address may send per second on average. */
        public Builder helloRatePerAddress(double v) { helloRatePerAddress = v; return this; }

        /** Hellos one source address may send at once. */
        public Builder helloBurstPerAddress(int v) { helloBurstPerAddress = v; return this; }

        /** Bytes that frames still arriving on one connection may hold together. */
        public Builder inboundMemoryPerConnection(long v) { inboundMemoryPerConnection = v; return this; }

        /** Bytes that frames still arriving on all connections may hold together. */
        public Builder inboundMemoryTotal(long v) { inboundMemoryTotal = v; return this; }

        /** When to validate client addresses with a QUIC Retry before any connection state. */
        public Builder retry(RetryMode v) { retry = v; return this; }

        /** With {@link RetryMode#UNDER_LOAD}: handshakes in progress above which new connections get a Retry. */
        public Builder retryThreshold(int v) { retryThreshold = v; return this; }

        /** The congestion controller of what the server sends. */
        public Builder congestionControl(CongestionControl v) { congestionControl = v; return this; }

        /** Where quiche writes a qlog of every connection; null: none. */
        public Builder qlogDirectory(java.nio.file.Path v) { qlogDirectory = v; return this; }

        /** This server's name among the nodes sharing a session store; null: a random one. */
        public Builder nodeId(String v) { nodeId = v; return this; }

        /** The bounds of each channel's replay buffer and how long a send waits for room. */
        public Builder channels(ChannelSettings v) { channels = v; return this; }

        /** All the stream settings at once. */
        public Builder streams(StreamSettings v) {
            return streamBufferBytes(v.bufferBytes()).streamWriteBufferBytes(v.writeBufferBytes())
                    .maxFrameSize(v.maxFrameSize()).streamWriteTimeout(v.writeTimeout());
        }

        /** All the transport settings at once. */
        public Builder transport(TransportSettings v) {
            return idleTimeout(v.idleTimeout()).maxData(v.maxData()).maxStreamData(v.maxStreamData())
                    .maxUdpPayload(v.maxUdpPayload()).discoverPmtu(v.discoverPmtu())
                    .congestionControl(v.congestionControl()).qlogDirectory(v.qlogDirectory());
        }

        /** Validates and builds. */
        public ServerConfig build() {
            TransportSettings transport = new TransportSettings(idleTimeout, maxData, maxStreamData, maxUdpPayload,
                    discoverPmtu, congestionControl, qlogDirectory);
            return new ServerConfig(host, port, alpn, maxBidiStreams, maxUniStreams, transport, certificate,
                    new SessionSettings(sessionTtl, maxSessions, maxSessionKeys, maxSessionChars),
                    new StreamSettings(streamBufferBytes, streamWriteBufferBytes, maxFrameSize, streamWriteTimeout),
                    helloTimeout, ioThreads, statsInterval, resetSecretFile, streamHeaderTimeout, frameReadTimeout,
                    maxConnections, maxConnectionsPerAddress, helloRatePerAddress, helloBurstPerAddress,
                    inboundMemoryPerConnection,
                    inboundMemoryTotal, retry, retryThreshold, nodeId, channels);
        }
    }
}

package dev.superquic.client;

import dev.superquic.protocol.Protocol;
import dev.superquic.stream.StreamSettings;
import dev.superquic.transport.CongestionControl;
import dev.superquic.transport.TransportSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Client settings.
 *
 * @param servers where to connect: the first address, and the others in turn when a connect
 *     fails, the server goes away or dies (nodes that share a session store, where the session
 *     resumes)
 * @param alpn ALPN id (must match the server's)
 * @param trust how to trust the server certificate
 * @param resume how the session outlives a connection: where the resume token is kept between
 *     processes (default: nowhere) and how the client reconnects by itself
 * @param connectTimeout bound of one connection attempt, handshake and hello included
 * @param streamOpenTimeout bound of {@link ClientSession#openStream}, waiting for a connection
 *     or for stream credit included
 * @param transport the QUIC transport settings that the server has too: idle timeout (default
 *     30 s), flow-control windows (what the server may send ahead of what the client read), UDP
 *     payload size and PMTU discovery, congestion controller of what the client sends (default
 *     BBR), qlog directory
 * @param streams how each stream buffers, frames and waits, as on the server: inbound buffer
 *     (default 256 KiB), write buffer (1 MiB), largest frame accepted from the server (1 MiB), how
 *     long a writer waits for a server that takes nothing (default: the idle timeout)
 * @param keepAlive ping the server when nothing has arrived for a third of the idle timeout in
 *     force (the smaller of the client's and the server's), so that a connection stays open while
 *     the application is quiet or slow; without it such a connection closes at the idle timeout
 *     and the session reconnects on its next use (default on). With {@code discoverPmtu}, a
 *     connection whose path shrinks below the size discovery found, so that nearly all it sends
 *     is lost while small packets still arrive, is closed with PATH_FAILED and the session
 *     resumes on a new one
 * @param channels the bounds of each channel's replay buffer and how long a send waits for room
 */
public record ClientConfig(List<InetSocketAddress> servers, String alpn, TrustConfig trust, ResumeSettings resume,
                           Duration connectTimeout, Duration streamOpenTimeout,
                           TransportSettings transport, StreamSettings streams, boolean keepAlive, dev.superquic.channel.ChannelSettings channels)
        implements TransportSettings.Owner, StreamSettings.Owner {
    /** Validates the fields. */
    public ClientConfig {
        servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("at least one server address is needed");
        }
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(trust, "trust (choose a CA file, a pinned fingerprint or insecure mode)");
        Objects.requireNonNull(resume, "resume");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(channels, "channels");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || streamOpenTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        Objects.requireNonNull(streams, "streams");
    }

    /** The address the next connection goes to: the first of {@link #servers()}. */
    public InetSocketAddress server() {
        return servers.get(0);
    }

    /** These settings with the server addresses turned so that the one at {@code index} comes first. */
    public ClientConfig startingAt(int index) {
        int n = servers.size();
        java.util.List<InetSocketAddress> turned = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            turned.add(servers.get(Math.floorMod(index + i, n)));
        }
        return new ClientConfig(turned, alpn, trust, resume, connectTimeout, streamOpenTimeout,
                transport, streams, keepAlive, channels);
    }

    /** A builder with defaults: ALPN super-quic, no token store, default reconnect policy. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link ClientConfig}. */
    public static final class Builder {
        private static final TransportSettings DEFAULT_TRANSPORT = TransportSettings.defaults(Duration.ofSeconds(30));
        private List<InetSocketAddress> servers;
        private String alpn = Protocol.DEFAULT_ALPN;
        private TrustConfig trust;
        private TokenStore tokenStore = ResumeSettings.DEFAULT.tokenStore();
        private ReconnectPolicy reconnect = ResumeSettings.DEFAULT.reconnect();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration streamOpenTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = DEFAULT_TRANSPORT.idleTimeout();
        private int maxFrameSize = Protocol.DEFAULT_MAX_FRAME;
        private int streamBufferBytes = 256 * 1024;
        private int streamWriteBufferBytes = 1024 * 1024;
        /** Null: the idle timeout, as a stalled writer and a silent connection end alike. */
        private Duration streamWriteTimeout;
        private int maxUdpPayload = DEFAULT_TRANSPORT.maxUdpPayload();
        private boolean discoverPmtu;
        private boolean keepAlive = true;
        private CongestionControl congestionControl = DEFAULT_TRANSPORT.congestionControl();
        private long maxData = DEFAULT_TRANSPORT.maxData();
        private long maxStreamData = DEFAULT_TRANSPORT.maxStreamData();
        private java.nio.file.Path qlogDirectory;
        private dev.superquic.channel.ChannelSettings channels = dev.superquic.channel.ChannelSettings.DEFAULT;

        private Builder() {
        }

        /** Server address. */
        public Builder server(InetSocketAddress v) { servers = List.of(v); return this; }

        /** Server host and port. */
        public Builder server(String host, int port) { return server(new InetSocketAddress(host, port)); }

        /** Several server addresses (nodes sharing a session store), tried in this order. */
        public Builder servers(List<InetSocketAddress> v) { servers = List.copyOf(v); return this; }

        /** ALPN id. */
        public Builder alpn(String v) { alpn = v; return this; }

        /** Certificate trust. */
        public Builder trust(TrustConfig v) { trust = v; return this; }

        /** Token persistence. */
        public Builder tokenStore(TokenStore v) { tokenStore = v; return this; }

        /** Reconnect policy. */
        public Builder reconnect(ReconnectPolicy v) { reconnect = v; return this; }

        /** All the resume settings at once. */
        public Builder resume(ResumeSettings v) { return tokenStore(v.tokenStore()).reconnect(v.reconnect()); }

        /** Bound of one connection attempt. */
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }

        /** Bound of opening a stream. */
        public Builder streamOpenTimeout(Duration v) { streamOpenTimeout = v; return this; }

        /** QUIC idle timeout. */
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }

        /** Largest accepted frame. */
        public Builder maxFrameSize(int v) { maxFrameSize = v; return this; }

        /** Inbound buffer bound per stream. */
        public Builder streamBufferBytes(int v) { streamBufferBytes = v; return this; }

        /** Bound of each stream's bytes written but not yet taken by QUIC. */
        public Builder streamWriteBufferBytes(int v) { streamWriteBufferBytes = v; return this; }

        /**
         * How long a stream's writer may wait while the server takes no data at all; null (the
         * default): the idle timeout.
         */
        public Builder streamWriteTimeout(Duration v) { streamWriteTimeout = v; return this; }

        /** All the stream settings at once. */
        public Builder streams(StreamSettings v) {
            return streamBufferBytes(v.bufferBytes()).streamWriteBufferBytes(v.writeBufferBytes())
                    .maxFrameSize(v.maxFrameSize()).streamWriteTimeout(v.writeTimeout());
        }

        /**
         * Largest UDP payload sent and accepted; raise only where every hop carries it, or with
         * {@link #discoverPmtu(boolean)}.
         */
        public Builder maxUdpPayload(int v) { maxUdpPayload = v; return this; }

        /** Search the path for the largest payload it carries, up to {@link #maxUdpPayload(int)}. */
        public Builder discoverPmtu(boolean v) { discoverPmtu = v; return this; }

        /** Ping the server while the connection is quiet, so that it stays open (default on). */
        public Builder keepAlive(boolean v) { keepAlive = v; return this; }

        /** The congestion controller of what the client sends. */
        public Builder congestionControl(CongestionControl v) { congestionControl = v; return this; }

        /** Connection flow-control window (bytes). */
        public Builder maxData(long v) { maxData = v; return this; }

        /** Per-stream flow-control window (bytes). */
        public Builder maxStreamData(long v) { maxStreamData = v; return this; }

        /** Where quiche writes a qlog of every connection; null: none. */
        public Builder qlogDirectory(java.nio.file.Path v) { qlogDirectory = v; return this; }

        /** The bounds of each channel's replay buffer and how long a send waits for room. */
        public Builder channels(dev.superquic.channel.ChannelSettings v) { channels = v; return this; }

        /** All the transport settings at once. */
        public Builder transport(TransportSettings v) {
            return idleTimeout(v.idleTimeout()).maxData(v.maxData()).maxStreamData(v.maxStreamData())
                    .maxUdpPayload(v.maxUdpPayload()).discoverPmtu(v.discoverPmtu())
                    .congestionControl(v.congestionControl()).qlogDirectory(v.qlogDirectory());
        }

        /** Validates and builds. */
        public ClientConfig build() {
            TransportSettings transport = new TransportSettings(idleTimeout, maxData, maxStreamData, maxUdpPayload,
                    discoverPmtu, congestionControl, qlogDirectory);
            return new ClientConfig(servers, alpn, trust, new ResumeSettings(tokenStore, reconnect), connectTimeout,
                    streamOpenTimeout, transport, new StreamSettings(streamBufferBytes, streamWriteBufferBytes, maxFrameSize,
                    streamWriteTimeout != null ? streamWriteTimeout : idleTimeout), keepAlive, channels);
        }
    }
}

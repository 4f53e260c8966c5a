package dev.superquic.server.internal.connection;

import dev.superquic.server.internal.runtime.ServerMetrics;
import dev.superquic.stream.internal.ChannelStream;

/** What the server knows about one stream: its connection, its I/O and the service that owns it. */
public final class StreamState {
    /** Metrics tag of the control stream. */
    static final String CONTROL = "_control";
    /** Metrics tag of a stream whose header has not been accepted yet. */
    public static final String PENDING = "_pending";

    private final ConnectionState connection;
    private final ChannelStream stream;
    private volatile String service;
    private boolean closed;

    StreamState(ConnectionState connection, ChannelStream stream, String service) {
        this.connection = connection;
        this.stream = stream;
        this.service = service;
    }

    /** The connection the stream belongs to. */
    public ConnectionState connection() {
        return connection;
    }

    /** The stream's blocking I/O. */
    public ChannelStream stream() {
        return stream;
    }

    /** QUIC stream id. */
    public long id() {
        return stream.id();
    }

    /** Service name, or a tag for control/pending streams. */
    public String service() {
        return service;
    }

    /** Re-tags the stream in the active-streams gauge, unless it already closed. */
    public synchronized void bindService(String name, ServerMetrics metrics) {
        if (!closed) {
            metrics.streamMoved(service, name);
        }
        this.service = name;
    }

    /** Counts the stream as closed, once. */
    synchronized void markClosed(ServerMetrics metrics) {
        if (!closed) {
            closed = true;
            metrics.streamClosed(service);
        }
    }
}

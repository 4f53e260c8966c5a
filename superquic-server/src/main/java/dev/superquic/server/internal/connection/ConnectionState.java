package dev.superquic.server.internal.connection;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.stream.internal.ConnectionCloseReason;
import dev.superquic.stream.internal.InboundBudget;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the server knows about one QUIC connection. Created on the event loop when the
 * connection is accepted; read from the connection's virtual threads.
 */
public final class ConnectionState {
    /** How long a connection closed for an error lingers so the peer can read the error frame. */
    public static final Duration ERROR_LINGER = Duration.ofMillis(300);
    private final String id;
    private final String owner;
    private final QuicChannel channel;
    private final long openedAtNanos = System.nanoTime();
    private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<SessionBinding> session = new CompletableFuture<>();
    private volatile ChannelStream control;
    private final InboundBudget inboundMemory;

    public ConnectionState(String id, String nodeId, QuicChannel channel, InboundBudget inboundMemory) {
        this.inboundMemory = inboundMemory;
        this.id = id;
        this.owner = nodeId + "/" + id;
        this.channel = channel;
    }

    /** Server-assigned id, used in every log line about this connection. */
    public String id() {
        return id;
    }

    /** Owner string given to the session store: node id and connection id. */
    public String owner() {
        return owner;
    }

    /** The QUIC connection. */
    public QuicChannel channel() {
        return channel;
    }

    /** When the connection was accepted ({@link System#nanoTime()}). */
    public long openedAtNanos() {
        return openedAtNanos;
    }

    /** What this connection's unread input may hold: frames still arriving, streams' buffers (inside the server's budget). */
    public InboundBudget inboundMemory() {
        return inboundMemory;
    }

    /** Open streams by QUIC stream id. */
    public Map<Long, StreamState> streams() {
        return streams;
    }

    /** Completes when the control exchange has bound a session; fails if the connection ends first. */
    public CompletableFuture<SessionBinding> session() {
        return session;
    }

    /** The bound session id, or null before the control exchange. */
    public String sessionIdOrNull() {
        SessionBinding b = bindingOrNull();
        return b == null ? null : b.sessionId();
    }

    /** The bound session, or null if none was bound (yet, or ever). */
    public SessionBinding bindingOrNull() {
        return session.isDone() && !session.isCompletedExceptionally() ? session.join() : null;
    }

    void control(ChannelStream stream) {
        this.control = stream;
    }

    /**
     * Any thread, never blocks: tells the client on the control stream that the server is going
     * away and will close the connection within {@code grace}. The frame is queued behind what the
     * control stream's owner wrote (never written from this thread, which does not own the
     * stream). Best effort: returns false if there is no control stream or it is finished.
     */
    public boolean sendGoAway(Duration grace) {
        ChannelStream c = control;
        if (c == null || bindingOrNull() == null) {
            return false;
        }
        return c.offerControlFrame(Messages.encode(new Messages.GoAway(grace.toMillis())));
    }

    /**
     * Closes the connection with an application error code. Safe from any thread; the first reason
     * recorded (see {@link ConnectionCloseReason}) is the one logged and told to cut-off streams.
     */
    public void close(ErrorCode code, String reason) {
        ConnectionCloseReason.record(channel, "closed by this server (" + code + ": " + reason + ")");
        channel.close(true, code.quicCode(), Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8));
    }

    /**
     * A session bound to this connection.
     *
     * @param sessionId the session
     * @param generation the store's ownership generation at attach
     * @param version the protocol version the hello chose for this connection
     */
    public record SessionBinding(String sessionId, long generation, int version) {
    }
}

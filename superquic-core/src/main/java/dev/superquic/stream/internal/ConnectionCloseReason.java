package dev.superquic.stream.internal;

import dev.superquic.protocol.ErrorCode;
import io.netty.channel.Channel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;

/**
 * Why a QUIC connection closed, kept on its channel so that the streams it cut off, and the logs,
 * can say so: whoever closes a connection, or hears the peer's close, records it; the first
 * record wins. A connection closed with no record timed out or lost its socket. Reasons read as
 * the end of "the connection was ...": "closed by the server (GOING_AWAY: ...)", "timed out (...)".
 */
public final class ConnectionCloseReason {
    private static final AttributeKey<String> KEY = AttributeKey.valueOf(ConnectionCloseReason.class, "reason");

    private ConnectionCloseReason() {
    }

    /** Any thread: records why {@code connection} closes, unless a reason is already recorded. */
    public static void record(Channel connection, String reason) {
        connection.attr(KEY).setIfAbsent(reason);
    }

    /**
     * Event loop: records the peer's close, as {@code "closed by the <peer> (GOING_AWAY: reason)"}
     * (or {@code "... (transport code N: reason)"} for codes that are not ours).
     *
     * @param peer what to call the peer: "server" or "client"
     */
    public static void recordPeerClose(Channel connection, String peer, QuicConnectionCloseEvent close) {
        String reason = new String(close.reason(), StandardCharsets.UTF_8);
        String code = close.isApplicationClose()
                ? ErrorCode.fromQuicCode(close.error()).map(Enum::name).orElse("application code " + close.error())
                : "transport code " + close.error();
        record(connection, "closed by the " + peer + " (" + code + (reason.isEmpty() ? "" : ": " + reason) + ")");
    }

    /**
     * Event loop, once {@code connection} is closed: the recorded reason; for a connection closed
     * without one, whether it timed out.
     */
    public static String of(Channel connection) {
        String recorded = connection.attr(KEY).get();
        if (recorded != null) {
            return recorded;
        }
        if (connection instanceof QuicChannel quic && quic.isTimedOut()) {
            return "timed out (nothing heard from the peer within the idle timeout)";
        }
        return "closed without a close frame (its socket closed, or a stateless reset)";
    }
}

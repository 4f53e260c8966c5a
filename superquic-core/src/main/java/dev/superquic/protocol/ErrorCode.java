package dev.superquic.protocol;

import java.util.Optional;

/**
 * Every error superquic puts on the wire, with its stable name (used in JSON error frames) and its
 * QUIC application error code (used in RESET_STREAM, STOP_SENDING and CONNECTION_CLOSE).
 * docs/PROTOCOL.md carries the same table; the two must not drift apart.
 */
public enum ErrorCode {
    /** Orderly end: a stream or connection closed without a problem. */
    NO_ERROR(0x00, "orderly close"),
    /** The server hit an unexpected condition that is not the peer's fault. */
    INTERNAL_ERROR(0x01, "internal server error"),
    /** The peer broke the protocol: wrong message type, bad JSON, missing field, truncated frame. */
    PROTOCOL_VIOLATION(0x02, "the peer violated the protocol"),
    /** A frame's declared length is above the receiver's limit; nothing was allocated for it. */
    FRAME_TOO_LARGE(0x03, "frame exceeds the maximum frame size"),
    /** None of the protocol versions the client offered is supported. */
    UNSUPPORTED_VERSION(0x04, "no common protocol version"),
    /** The stream header names a service the server does not host. */
    UNKNOWN_SERVICE(0x05, "no such service"),
    /** A service stream was opened but the connection never completed the control exchange. */
    SESSION_REQUIRED(0x06, "the control exchange did not complete"),
    /** The client did not send its first control message in time. */
    HELLO_TIMEOUT(0x07, "no control message before the timeout"),
    /** Another connection resumed this connection's session; this connection is closed. */
    SESSION_TAKEN_OVER(0x08, "the session was resumed by another connection"),
    /** The service failed while handling the stream. */
    SERVICE_ERROR(0x09, "the service failed"),
    /** The server is shutting down; reconnect and resume later or elsewhere. */
    GOING_AWAY(0x0a, "the server is shutting down"),
    /** The request was well formed but cannot be carried out (for example a bad kv command). */
    BAD_REQUEST(0x0b, "the request is invalid"),
    /** The peer accepted no data on the stream for the write timeout; the stream is reset. */
    WRITE_TIMEOUT(0x0c, "the peer took no data within the write timeout"),
    /**
     * The peer sent a stream header, or a frame it had begun, too slowly (the header timeout, the
     * frame read timeout); the stream is reset.
     */
    READ_TIMEOUT(0x0d, "the peer sent too slowly"),
    /** A request would take the session past a limit of the server (its state's size, say). */
    LIMIT_EXCEEDED(0x0e, "a limit of the server was reached"),
    /**
     * The session store failed or cannot be reached: a hello that needs it (a new session, a
     * resume) or a state operation was not done. Nothing changed; trying again later may work.
     */
    STORE_UNAVAILABLE(0x0f, "the session store is unavailable"),
    /**
     * A channel cannot go on without a gap: its messages cannot be replayed from where the peer
     * says it stands (the session is new or expired, or a side lost what it had kept).
     */
    CHANNEL_LOST(0x10, "the channel's messages cannot be replayed"),
    /**
     * The connection's path stopped carrying its packets while smaller ones still got through
     * (a path that shrank below what PMTU discovery found): the connection is closed so that the
     * session resumes on a new one, which discovers the path afresh.
     */
    PATH_FAILED(0x11, "the path stopped carrying the connection's packets");

    private final int quicCode;
    private final String description;

    ErrorCode(int quicCode, String description) {
        this.quicCode = quicCode;
        this.description = description;
    }

    /** The QUIC application error code for resets and connection close. */
    public int quicCode() {
        return quicCode;
    }

    /** A short human description, used when no more specific message exists. */
    public String description() {
        return description;
    }

    /** The code with this QUIC application error number, if it is one of ours. */
    public static Optional<ErrorCode> fromQuicCode(long code) {
        for (ErrorCode c : values()) {
            if (c.quicCode == code) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The code with this wire name, if it is one of ours. */
    public static Optional<ErrorCode> fromName(String name) {
        for (ErrorCode c : values()) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}

package dev.superquic.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The control protocol's messages (version 1, JSON) and its one codec: {@link #encode(ControlMessage)}
 * and the decoders, which never trust the peer. Service streams' headers and their {@code ok}
 * answers are here too. Decoding never
 * trusts the peer: anything that is not exactly the expected shape is a {@link ProtocolException}
 * with code {@link ErrorCode#PROTOCOL_VIOLATION} and a message that says what was wrong.
 */
public final class Messages {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What service and channel names look like. */
    public static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Why a resume did not give back the old session. */
    public enum NotResumedReason {
        /** The token names no session this server knows. */
        UNKNOWN,
        /** The session existed but its detach window passed and its state was freed. */
        EXPIRED;

        /** The lower-case wire name. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The client's first control message.
     *
     * @param resume whether it asks to resume ({@code type: "resume"}) or for a new session
     * @param versions protocol versions the client speaks
     * @param token the resume token (only with {@code resume})
     */
    public record Hello(boolean resume, List<Integer> versions, String token) implements ControlMessage {
        /** Validates the fields. */
        public Hello {
            versions = List.copyOf(versions);
            if (resume) {
                Objects.requireNonNull(token, "token");
            }
        }

        /** A request for a new session. */
        public static Hello newSession() {
            return new Hello(false, Protocol.SUPPORTED_VERSIONS, null);
        }

        /** A request to resume the session that {@code token} names. */
        public static Hello resume(String token) {
            return new Hello(true, Protocol.SUPPORTED_VERSIONS, token);
        }
    }

    /**
     * The server's answer to {@link Hello}.
     *
     * @param version the protocol version chosen
     * @param sessionId loggable session id
     * @param token secret resume token; clients keep the latest one they received
     * @param resumed whether the old session came back
     * @param reason why not, when a resume was asked for and a new session was given; else null
     * @param ttlSeconds how long a detached session is kept
     * @param streamEnds whether the server accepts {@code end} control messages ({@link StreamEnd})
     * @param resetToken the server's QUIC stateless reset token as 32 hex digits, or null: a
     *     packet ending in it means the server no longer has the connection
     */
    public record SessionGranted(int version, String sessionId, String token, boolean resumed,
                                 NotResumedReason reason, long ttlSeconds, boolean streamEnds, String resetToken)
            implements ControlMessage {
    }

    /**
     * An error frame.
     *
     * @param code the stable error code
     * @param message human-readable detail
     */
    public record ErrorMessage(ErrorCode code, String message) implements ControlMessage {
    }

    /** The first frame of a stream other than the control stream: a service or a channel. */
    public sealed interface StreamOpening permits StreamHeader, ChannelOpen {
    }

    /**
     * The first frame of a service stream.
     *
     * @param service the service name
     */
    public record StreamHeader(String service) implements StreamOpening {
    }

    /**
     * The first frame of a channel stream (protocol version 2).
     *
     * @param channel the channel's name
     * @param delivered the last sequence the client received and kept of the server's messages on
     *     this channel (0 for none): the server replays what follows
     */
    public record ChannelOpen(String channel, long delivered) implements StreamOpening {
        /** Checks the values. */
        public ChannelOpen {
            Objects.requireNonNull(channel, "channel");
            if (delivered < 0) {
                throw new IllegalArgumentException("delivered must not be negative");
            }
        }
    }

    /**
     * Control message, either direction: stream {@code stream} ends after {@code size} bytes
     * (its final size), sent when its FIN had to leave in a frame of its own.
     *
     * @param stream the QUIC stream id
     * @param size the number of bytes the stream carried in the sender's direction
     */
    public record StreamEnd(long stream, long size) implements ControlMessage {
        /** Checks the values. */
        public StreamEnd {
            if (stream < 0 || size < 0) {
                throw new IllegalArgumentException("stream id and size must not be negative");
            }
        }
    }

    /** The client's keep-alive on the control stream; the server answers {@link Pong}. */
    public record Ping() implements ControlMessage {
    }

    /** The server's answer to {@link Ping}. */
    public record Pong() implements ControlMessage {
    }

    /**
     * The server is going away: it will close the connection within {@code graceMillis}; streams
     * already open may finish, new ones belong on the next connection.
     *
     * @param graceMillis how long the server waits before closing, in milliseconds
     */
    public record GoAway(long graceMillis) implements ControlMessage {
        /** Checks the value. */
        public GoAway {
            if (graceMillis < 0) {
                throw new IllegalArgumentException("grace must not be negative");
            }
        }
    }

    private Messages() {
    }

    /** Encodes any control message: the one encoder of the control protocol. */
    public static byte[] encode(ControlMessage message) {
        ObjectNode node = JSON.createObjectNode();
        switch (message) {
            case Hello hello -> {
                node.put("type", hello.resume() ? "resume" : "new");
                ArrayNode versions = node.putArray("versions");
                hello.versions().forEach(versions::add);
                if (hello.resume()) {
                    node.put("token", hello.token());
                }
            }
            case SessionGranted granted -> {
                node.put("type", "session");
                node.put("version", granted.version());
                node.put("sessionId", granted.sessionId());
                node.put("token", granted.token());
                node.put("resumed", granted.resumed());
                if (granted.reason() != null) {
                    node.put("reason", granted.reason().wireName());
                }
                node.put("ttlSeconds", granted.ttlSeconds());
                if (granted.streamEnds()) {
                    node.put("streamEnds", true);
                }
                if (granted.resetToken() != null) {
                    node.put("resetToken", granted.resetToken());
                }
            }
            case ErrorMessage error -> {
                node.put("type", "error");
                node.put("code", error.code().name());
                node.put("message", error.message());
            }
            case StreamEnd end -> {
                node.put("type", "end");
                node.put("stream", end.stream());
                node.put("size", end.size());
            }
            case Ping ping -> node.put("type", "ping");
            case Pong pong -> node.put("type", "pong");
            case GoAway goAway -> {
                node.put("type", "goaway");
                node.put("graceMillis", goAway.graceMillis());
            }
        }
        return bytes(node);
    }

    /**
     * Decodes a control message after the hello exchange, either direction: {@code ping},
     * {@code pong}, {@code goaway}, {@code end} or {@code error}.
     *
     * @throws ProtocolException PROTOCOL_VIOLATION for malformed JSON, a missing or unknown
     *     {@code type}, or a message whose fields are not exactly as expected
     */
    public static ControlMessage decodeControl(byte[] frame) throws ProtocolException {
        ObjectNode node = parseObject(frame);
        String type = requiredText(node, "type");
        return switch (type) {
            case "ping" -> new Ping();
            case "pong" -> new Pong();
            case "end" -> decodeStreamEnd(node);
            case "goaway" -> {
                JsonNode grace = node.get("graceMillis");
                if (grace == null || !grace.isIntegralNumber() || !grace.canConvertToLong() || grace.longValue() < 0) {
                    throw violation("'goaway' needs a non-negative integer 'graceMillis'");
                }
                yield new GoAway(grace.longValue());
            }
            case "error" -> {
                ErrorCode code = ErrorCode.fromName(requiredText(node, "code")).orElse(ErrorCode.INTERNAL_ERROR);
                yield new ErrorMessage(code, node.path("message").asText(code.description()));
            }
            default -> throw violation("unexpected control message '" + type + "'");
        };
    }




    /** Encodes a stream header. */
    public static byte[] encode(StreamHeader header) {
        ObjectNode node = JSON.createObjectNode();
        node.put("service", header.service());
        return bytes(node);
    }

    /** Encodes a channel stream's header. */
    public static byte[] encode(ChannelOpen open) {
        ObjectNode node = JSON.createObjectNode();
        node.put("channel", open.channel());
        node.put("delivered", open.delivered());
        return bytes(node);
    }

    /**
     * The server's acceptance of a channel header: {@code delivered} is the last sequence of the
     * client's messages it delivered and kept (0 for none); the client replays what follows.
     */
    public static byte[] channelAccepted(long delivered) {
        return bytes(JSON.createObjectNode().put("type", "ok").put("delivered", delivered));
    }

    /**
     * Decodes the server's answer to a channel header: the {@code delivered} it names.
     *
     * @throws ProtocolException for an error frame (its code) or a malformed answer
     */
    public static long decodeChannelAccepted(byte[] frame) throws ProtocolException {
        ObjectNode node = parseObject(frame);
        throwIfError(node);
        JsonNode delivered = node.get("delivered");
        if (!"ok".equals(node.path("type").asText()) || delivered == null || !delivered.isIntegralNumber()
                || !delivered.canConvertToLong() || delivered.longValue() < 0) {
            throw violation("expected an 'ok' with a non-negative 'delivered', or an 'error', answering the channel header");
        }
        return delivered.longValue();
    }


    /** Reads an {@code end} control message whose {@code type} was already checked. */
    private static StreamEnd decodeStreamEnd(ObjectNode node) throws ProtocolException {
        JsonNode stream = node.get("stream");
        JsonNode size = node.get("size");
        if (stream == null || size == null || !stream.canConvertToLong() || !size.canConvertToLong()
                || !stream.isIntegralNumber() || !size.isIntegralNumber() || stream.longValue() < 0
                || size.longValue() < 0) {
            throw violation("'end' needs non-negative integers 'stream' and 'size'");
        }
        return new StreamEnd(stream.longValue(), size.longValue());
    }

    /** The server's acceptance of a stream header. */
    public static byte[] streamAccepted() {
        return bytes(JSON.createObjectNode().put("type", "ok"));
    }





    private static ObjectNode parseObject(byte[] frame) throws ProtocolException {
        JsonNode node;
        try {
            node = JSON.readTree(frame);
        } catch (IOException e) {
            throw violation("malformed JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw violation("expected a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Decodes the client's first control message. */
    public static Hello decodeHello(byte[] frame) throws ProtocolException {
        ObjectNode node = parseObject(frame);
        String type = requiredText(node, "type");
        boolean resume = switch (type) {
            case "new" -> false;
            case "resume" -> true;
            default -> throw violation("first control message must be 'new' or 'resume', got '" + type + "'");
        };
        JsonNode versionsNode = node.get("versions");
        if (versionsNode == null || !versionsNode.isArray() || versionsNode.isEmpty()) {
            throw violation("'versions' must be a non-empty array of integers");
        }
        List<Integer> versions = new ArrayList<>();
        for (JsonNode v : versionsNode) {
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                throw violation("'versions' must be a non-empty array of integers");
            }
            versions.add(v.intValue());
        }
        String token = resume ? requiredText(node, "token") : null;
        return new Hello(resume, versions, token);
    }

    /** Decodes the server's answer to the hello; an error frame becomes a {@link ProtocolException}. */
    public static SessionGranted decodeSessionGranted(byte[] frame) throws ProtocolException {
        ObjectNode node = parseObject(frame);
        throwIfError(node);
        String type = requiredText(node, "type");
        if (!type.equals("session")) {
            throw violation("expected a 'session' message, got '" + type + "'");
        }
        NotResumedReason reason = null;
        JsonNode reasonNode = node.get("reason");
        if (reasonNode != null && !reasonNode.isNull()) {
            reason = switch (reasonNode.asText()) {
                case "unknown" -> NotResumedReason.UNKNOWN;
                case "expired" -> NotResumedReason.EXPIRED;
                default -> throw violation("unknown reason '" + reasonNode.asText() + "'");
            };
        }
        return new SessionGranted(node.path("version").asInt(), requiredText(node, "sessionId"),
                requiredText(node, "token"), node.path("resumed").asBoolean(false), reason,
                node.path("ttlSeconds").asLong(), node.path("streamEnds").asBoolean(false), resetToken(node));
    }

    private static String resetToken(ObjectNode node) throws ProtocolException {
        JsonNode value = node.get("resetToken");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || !value.textValue().matches("[0-9a-f]{32}")) {
            throw violation("'resetToken' must be 32 lowercase hex digits");
        }
        return value.textValue();
    }

    /** Decodes a service stream's header. */
    public static StreamHeader decodeStreamHeader(byte[] frame) throws ProtocolException {
        if (decodeOpening(frame) instanceof StreamHeader header) {
            return header;
        }
        throw violation("missing or non-string field 'service'");
    }

    /**
     * Decodes the first frame of a stream: a service header ({@code service}) or a channel header
     * ({@code channel} and {@code delivered}).
     */
    public static StreamOpening decodeOpening(byte[] frame) throws ProtocolException {
        ObjectNode node = parseObject(frame);
        if (node.has("channel")) {
            String channel = requiredText(node, "channel");
            if (!NAME.matcher(channel).matches()) {
                throw violation("'channel' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            JsonNode delivered = node.get("delivered");
            if (delivered == null || !delivered.isIntegralNumber() || !delivered.canConvertToLong()
                    || delivered.longValue() < 0) {
                throw violation("a channel header needs a non-negative integer 'delivered'");
            }
            return new ChannelOpen(channel, delivered.longValue());
        }
        String service = requiredText(node, "service");
        if (service.isBlank()) {
            throw violation("'service' must not be blank");
        }
        return new StreamHeader(service);
    }

    /** Decodes the server's answer to a stream header; an error frame becomes a {@link ProtocolException}. */
    public static void decodeStreamAccepted(byte[] frame) throws ProtocolException {
        ObjectNode node = parseObject(frame);
        throwIfError(node);
        if (!"ok".equals(node.path("type").asText())) {
            throw violation("expected an 'ok' or 'error' reply to the stream header");
        }
    }

    /** If the object is an error frame, throws it as a {@link ProtocolException} with its code. */
    private static void throwIfError(ObjectNode node) throws ProtocolException {
        if ("error".equals(node.path("type").asText())) {
            ErrorCode code = ErrorCode.fromName(node.path("code").asText()).orElse(ErrorCode.INTERNAL_ERROR);
            throw new ProtocolException(code, node.path("message").asText(code.description()));
        }
    }

    /** A required string field, or a violation naming it. */
    private static String requiredText(ObjectNode node, String field) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw violation("missing or non-string field '" + field + "'");
        }
        return value.textValue();
    }

    private static ProtocolException violation(String message) {
        return new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, message);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON", e);
        }
    }
}

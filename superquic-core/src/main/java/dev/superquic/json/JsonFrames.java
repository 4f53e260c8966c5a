package dev.superquic.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import java.io.IOException;

/**
 * JSON frames for services that speak JSON (the demo {@code kv}, {@code discard} and
 * {@code generate}, and their clients), with Jackson. The control protocol has its own typed
 * codec ({@link dev.superquic.protocol.Messages}); this class is for application payloads, which
 * superquic itself treats as opaque bytes.
 */
public final class JsonFrames {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFrames() {
    }

    /** The shared mapper. */
    public static ObjectMapper mapper() {
        return JSON;
    }

    /** A new, empty JSON object. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Encodes a JSON tree as one frame's payload. */
    public static byte[] encode(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON", e);
        }
    }

    /**
     * Parses a frame as a JSON object.
     *
     * @throws ProtocolException PROTOCOL_VIOLATION if it is not one
     */
    public static ObjectNode parseObject(byte[] frame) throws ProtocolException {
        JsonNode node;
        try {
            node = JSON.readTree(frame);
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "malformed JSON: " + message);
        }
        if (node == null || !node.isObject()) {
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "expected a JSON object");
        }
        return (ObjectNode) node;
    }

    /** If {@code node} is an error frame ({@code {"type":"error",...}}), throws it with its code. */
    public static void throwIfError(ObjectNode node) throws ProtocolException {
        if ("error".equals(node.path("type").asText())) {
            ErrorCode code = ErrorCode.fromName(node.path("code").asText()).orElse(ErrorCode.INTERNAL_ERROR);
            throw new ProtocolException(code, node.path("message").asText(code.description()));
        }
    }

    /**
     * A required string field.
     *
     * @throws ProtocolException PROTOCOL_VIOLATION naming the field when it is missing or not a string
     */
    public static String requiredText(ObjectNode node, String field) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "missing or non-string field '" + field + "'");
        }
        return value.textValue();
    }
}

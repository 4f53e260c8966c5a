package dev.superquic.demo;

import dev.superquic.json.JsonFrames;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Messages.ErrorMessage;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.ServiceStream;
import dev.superquic.server.Session;
import dev.superquic.server.StreamService;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.server.session.StateLimitException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kv}: the session's key/value state over JSON request and response frames, one response
 * per request, until the client finishes. Requests:
 * {@code {"op":"get","key":K}}, {@code {"op":"put","key":K,"value":V}},
 * {@code {"op":"delete","key":K}}, {@code {"op":"list"}}. A bad request gets an error frame
 * with code BAD_REQUEST and the stream stays usable; malformed JSON ends it.
 */
public final class KvService implements StreamService {
    /** Service name. */
    public static final String NAME = "kv";
    /** Longest key, in characters. */
    public static final int MAX_KEY = 1024;

    /** Creates the service; the server shares one instance between all its streams. */
    public KvService() {
    }

    @Override
    public void serve(ServiceStream stream) throws Exception {
        Session session = stream.session();
        for (byte[] frame; (frame = stream.readFrame()) != null;) {
            ObjectNode request = JsonFrames.parseObject(frame);
            byte[] response;
            try {
                response = JsonFrames.encode(handle(session, request));
            } catch (ProtocolException e) {
                response = Messages.encode(new ErrorMessage(e.code(), e.getMessage()));
            } catch (SessionStoreException e) {
                // Nothing changed; the stream goes on, and a later request may succeed.
                response = Messages.encode(new ErrorMessage(ErrorCode.STORE_UNAVAILABLE,
                        "the session store is unavailable; try again"));
            }
            stream.writeFrame(response);
        }
        stream.finishOutput();
    }

    private static ObjectNode handle(Session session, ObjectNode request) throws ProtocolException {
        ObjectNode reply = JsonFrames.mapper().createObjectNode();
        String op = request.path("op").asText("");
        switch (op) {
            case "get" -> {
                String key = key(request);
                Optional<String> value = session.get(key);
                reply.put("type", "value").put("key", key).put("found", value.isPresent());
                value.ifPresent(v -> reply.put("value", v));
            }
            case "put" -> {
                String key = key(request);
                if (!request.path("value").isTextual()) {
                    throw new ProtocolException(ErrorCode.BAD_REQUEST, "'value' must be a string");
                }
                try {
                    session.put(key, request.get("value").textValue());
                } catch (StateLimitException e) {
                    throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, e.getMessage());
                }
                reply.put("type", "ok");
            }
            case "delete" -> reply.put("type", "deleted").put("existed", session.delete(key(request)));
            case "list" -> {
                ObjectNode entries = reply.put("type", "entries").putObject("entries");
                for (Map.Entry<String, String> e : session.entries().entrySet()) {
                    entries.put(e.getKey(), e.getValue());
                }
            }
            default -> throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "'op' must be one of get, put, delete, list (got '" + op + "')");
        }
        return reply;
    }

    private static String key(ObjectNode request) throws ProtocolException {
        if (!request.path("key").isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "'key' must be a string");
        }
        String key = request.get("key").textValue();
        if (key.isEmpty() || key.length() > MAX_KEY) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "'key' must be 1 to " + MAX_KEY + " characters");
        }
        return key;
    }
}

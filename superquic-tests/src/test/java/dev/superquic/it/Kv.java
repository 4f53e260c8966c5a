package dev.superquic.it;

import dev.superquic.json.JsonFrames;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.client.ClientSession;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.util.Optional;

/** Small kv client for tests. */
final class Kv {
    private Kv() {
    }

    static ObjectNode call(ClientSession session, ObjectNode request) throws IOException {
        try (DuplexStream kv = session.openStream("kv")) {
            kv.writeFrame(JsonFrames.encode(request));
            kv.finishOutput();
            ObjectNode reply = JsonFrames.parseObject(Fixtures.readFrame(kv));
            JsonFrames.throwIfError(reply);
            return reply;
        }
    }

    static void put(ClientSession session, String key, String value) throws IOException {
        call(session, JsonFrames.mapper().createObjectNode().put("op", "put").put("key", key).put("value", value));
    }

    static Optional<String> get(ClientSession session, String key) throws IOException {
        ObjectNode reply = call(session, JsonFrames.mapper().createObjectNode().put("op", "get").put("key", key));
        return reply.path("found").asBoolean() ? Optional.of(reply.path("value").asText()) : Optional.empty();
    }
}

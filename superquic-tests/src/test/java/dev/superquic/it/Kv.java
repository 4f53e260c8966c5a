package dev.superquic.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.client.ClientSession;
import dev.superquic.protocol.Messages;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.util.Optional;

/** Small kv client for tests. */
final class Kv {
    private Kv() {
    }

    static ObjectNode call(ClientSession session, ObjectNode request) throws IOException {
        try (DuplexStream kv = session.openStream("kv")) {
            kv.writeFrame(Messages.encodeTree(request));
            kv.finishOutput();
            ObjectNode reply = Messages.parseObject(Fixtures.readFrame(kv));
            Messages.throwIfError(reply);
            return reply;
        }
    }

    static void put(ClientSession session, String key, String value) throws IOException {
        call(session, Messages.mapper().createObjectNode().put("op", "put").put("key", key).put("value", value));
    }

    static Optional<String> get(ClientSession session, String key) throws IOException {
        ObjectNode reply = call(session, Messages.mapper().createObjectNode().put("op", "get").put("key", key));
        return reply.path("found").asBoolean() ? Optional.of(reply.path("value").asText()) : Optional.empty();
    }
}

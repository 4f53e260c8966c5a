package dev.superquic.demo;

import dev.superquic.json.JsonFrames;
import dev.superquic.server.ServiceStream;
import dev.superquic.server.StreamService;
import io.netty.buffer.ByteBuf;

/**
 * {@code discard}: reads and drops everything (a sink for upload load tests); when the client
 * finishes, answers one frame {@code {"type":"discarded","bytes":N}}.
 */
public final class DiscardService implements StreamService {
    /** Service name. */
    public static final String NAME = "discard";

    /** Creates the service; the server shares one instance between all its streams. */
    public DiscardService() {
    }

    @Override
    public void serve(ServiceStream stream) throws Exception {
        stream.readInBulk(true);
        long total = 0;
        for (ByteBuf buf; (buf = stream.readBuffer()) != null;) {
            total += buf.readableBytes(); // counted where it arrived: no copy
            buf.release();
        }
        stream.writeFrame(JsonFrames.encode(JsonFrames.mapper().createObjectNode()
                .put("type", "discarded").put("bytes", total)));
        stream.finishOutput();
    }
}

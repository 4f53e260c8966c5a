package dev.superquic.demo;

import dev.superquic.json.JsonFrames;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.ServiceStream;
import dev.superquic.server.StreamService;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/**
 * {@code generate}: a source for download load tests. For each frame {@code {"bytes":N}} the
 * client sends, the server sends N bytes of the repeating pattern 0, 1, ..., 255 (restarting at 0
 * for each request); it finishes the stream after the client does.
 */
public final class GenerateService implements StreamService {
    /** Service name. */
    public static final String NAME = "generate";
    /** One write per 128 KiB: the largest chunk a stream hands to the event loop at once. */
    private static final int CHUNK = 128 * 1024;
    /**
     * The pattern in memory outside the heap, shared by every stream and never freed: each
     * write sends a slice of it without copying it first.
     */
    private static final ByteBuf PATTERN;

    static {
        ByteBuffer pattern = ByteBuffer.allocateDirect(CHUNK);
        for (int i = 0; i < CHUNK; i++) {
            pattern.put((byte) i);
        }
        PATTERN = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(pattern.flip()));
    }

    /** Creates the service; the server shares one instance between all its streams. */
    public GenerateService() {
    }

    @Override
    public void serve(ServiceStream stream) throws Exception {
        for (byte[] request; (request = stream.readFrame()) != null;) {
            ObjectNode node = JsonFrames.parseObject(request);
            if (!node.path("bytes").canConvertToLong() || node.path("bytes").asLong() < 0) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "'bytes' must be a non-negative integer");
            }
            long remaining = node.path("bytes").asLong();
            while (remaining > 0) {
                int n = (int) Math.min(remaining, CHUNK);
                stream.write(PATTERN.slice(0, n));
                remaining -= n;
            }
        }
        stream.finishOutput();
    }
}

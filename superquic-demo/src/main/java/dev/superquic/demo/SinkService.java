package dev.superquic.demo;

import dev.superquic.server.ServiceStream;
import dev.superquic.server.StreamService;
import io.netty.buffer.ByteBuf;

/**
 * {@code sink}: reads and drops everything, like {@code discard}, but answers nothing: it
 * finishes its own side of the stream as soon as the stream is accepted.
 *
 * <p>That is the point of it. With Netty 4.2.18 every stream whose sending side is still open
 * costs its connection some work on every packet received (the codec asks quiche about each
 * writable stream), so a hundred idle sending sides halve what one connection can receive.
 * A stream that will not send should say so with a FIN at once; this is that pattern for bulk
 * uploads over many streams.
 */
public final class SinkService implements StreamService {
    /** Service name. */
    public static final String NAME = "sink";

    /** Creates the service; the server shares one instance between all its streams. */
    public SinkService() {
    }

    @Override
    public void serve(ServiceStream stream) throws Exception {
        stream.finishOutput();
        stream.readInBulk(true);
        for (ByteBuf buf; (buf = stream.readBuffer()) != null;) {
            buf.release();
        }
    }
}

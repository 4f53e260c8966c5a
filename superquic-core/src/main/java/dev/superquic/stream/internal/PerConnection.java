package dev.superquic.stream.internal;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import java.util.function.Function;

/** Objects that the streams of one QUIC connection share, kept on the connection's channel. */
final class PerConnection {
    private PerConnection() {
    }

    /**
     * Event loop: the object under {@code key} of {@code stream}'s connection (its parent channel),
     * created for the first of its streams; one of its own for a stream without a parent on its
     * event loop.
     */
    static <T> T shared(Channel stream, AttributeKey<T> key, Function<EventExecutor, T> create) {
        Channel connection = stream.parent();
        if (connection == null || connection.eventLoop() != stream.eventLoop()) {
            return create.apply(stream.eventLoop());
        }
        Attribute<T> attribute = connection.attr(key);
        T shared = attribute.get();
        if (shared == null) {
            shared = create.apply(connection.eventLoop());
            attribute.set(shared);
        }
        return shared;
    }
}

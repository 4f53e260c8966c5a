package dev.superquic.server;

import dev.superquic.stream.DuplexStream;

/** A stream handed to a {@link StreamService}: the stream plus who it belongs to. */
public interface ServiceStream extends DuplexStream {

    /** The service name from the stream header. */
    String service();

    /** The session of the connection that opened the stream. */
    Session session();

    /** The server-assigned id of the connection, as used in logs. */
    String connectionId();
}

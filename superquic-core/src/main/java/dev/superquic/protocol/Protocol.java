package dev.superquic.protocol;

import java.util.List;

/** Constants of the superquic wire protocol, version 1 (see docs/PROTOCOL.md). */
public final class Protocol {
    /** The protocol version this build speaks. */
    public static final int VERSION = 1;
    /** Versions this build accepts, newest first. */
    public static final List<Integer> SUPPORTED_VERSIONS = List.of(VERSION);
    /** Default ALPN identifier. */
    public static final String DEFAULT_ALPN = "super-quic";
    /** Default port. */
    public static final int DEFAULT_PORT = 5555;
    /** Bytes in a frame's length prefix. */
    public static final int LENGTH_PREFIX_BYTES = 4;
    /** Largest frame accepted on the control stream and as a stream header or reply. */
    public static final int MAX_CONTROL_FRAME = 64 * 1024;
    /** Default largest frame on service streams. */
    public static final int DEFAULT_MAX_FRAME = 1024 * 1024;
    /** QUIC stream id of the control stream: the first bidirectional stream a client opens. */
    public static final long CONTROL_STREAM_ID = 0;

    private Protocol() {
    }
}

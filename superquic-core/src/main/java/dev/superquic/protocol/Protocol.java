package dev.superquic.protocol;

import java.util.List;

/** Constants of the superquic wire protocol, versions 1 and 2 (see docs/PROTOCOL.md). */
public final class Protocol {
    /** The newest protocol version this build speaks: version 2 adds channels. */
    public static final int VERSION = 2;
    /** The first version with channels. */
    public static final int CHANNELS_VERSION = 2;
    /** Versions this build accepts, newest first. */
    public static final List<Integer> SUPPORTED_VERSIONS = List.of(VERSION, 1);
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

    /**
     * The version a server of this build chooses from a client's {@code versions}: the newest
     * both speak, or empty if there is none.
     */
    public static java.util.OptionalInt negotiate(List<Integer> offered) {
        return SUPPORTED_VERSIONS.stream().filter(offered::contains).mapToInt(Integer::intValue).findFirst();
    }

    private Protocol() {
    }
}

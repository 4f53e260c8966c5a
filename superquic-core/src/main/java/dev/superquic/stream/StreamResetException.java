package dev.superquic.stream;

import dev.superquic.protocol.ErrorCode;
import java.io.IOException;
import java.util.Optional;

/** The peer reset the stream, or the connection under it closed, before the stream finished. */
public class StreamResetException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long applicationCode;

    /** Creates the exception with the peer's application error code (-1 when unknown). */
    public StreamResetException(String message, long applicationCode, Throwable cause) {
        super(message, cause);
        this.applicationCode = applicationCode;
    }

    /** The raw QUIC application error code, or -1 when the stream ended without one. */
    public long applicationCode() {
        return applicationCode;
    }

    /** The superquic error code, if the raw code is one of ours. */
    public Optional<ErrorCode> errorCode() {
        return ErrorCode.fromQuicCode(applicationCode);
    }
}

package dev.superquic.protocol;

import java.io.IOException;

/** A protocol rule was broken, by the peer or by a local caller; carries the wire error code. */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    /** Creates an exception with the given code and message. */
    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** The error code to report on the wire. */
    public ErrorCode code() {
        return code;
    }
}

package dev.superquic.stream.internal;

import java.io.InterruptedIOException;

/** A read with a deadline found no data by then (a stream header or frame that came too slowly). */
public final class ReadTimeoutException extends InterruptedIOException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public ReadTimeoutException() {
        super("no data before the read deadline");
    }
}

package dev.superquic.stream;

import dev.superquic.transport.InvalidSettingException;
import java.time.Duration;
import java.util.Objects;

/**
 * How each stream of one end buffers, frames and waits, validated in one place (names in messages
 * as the CLI spells them). {@code ServerConfig} and {@code ClientConfig} compose it.
 *
 * @param bufferBytes bound of each stream's inbound buffer; reading from QUIC pauses at it, so
 *     flow control holds the sender
 * @param writeBufferBytes bound of each stream's bytes written but not yet taken by QUIC; a
 *     writer waits beyond it
 * @param maxFrameSize largest frame accepted from the peer on framed streams
 * @param writeTimeout how long a stream's writer may wait while the peer takes no data at all
 *     before the stream is reset with WRITE_TIMEOUT
 */
public record StreamSettings(int bufferBytes, int writeBufferBytes, int maxFrameSize, Duration writeTimeout) {
    /** Validates every field. */
    public StreamSettings {
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        InvalidSettingException.check(bufferBytes >= 1024, "stream-buffer", "must be at least 1024 bytes",
                bufferBytes);
        InvalidSettingException.check(writeBufferBytes >= 1024, "stream-write-buffer",
                "must be at least 1024 bytes", writeBufferBytes);
        InvalidSettingException.check(maxFrameSize >= 1024 && maxFrameSize <= 64 * 1024 * 1024, "max-frame-size",
                "must be between 1024 bytes and 64 MiB", maxFrameSize);
        InvalidSettingException.check(!writeTimeout.isNegative() && !writeTimeout.isZero(), "stream-write-timeout",
                "must be positive", writeTimeout);
    }

    /**
     * The settings of one end, which hold a {@link StreamSettings}: their accessors of its fields,
     * so that each is read the same way on both ends.
     */
    public interface Owner {
        /** The stream settings. */
        StreamSettings streams();

        /** Bound of each stream's inbound buffer. */
        default int streamBufferBytes() {
            return streams().bufferBytes();
        }

        /** Bound of each stream's bytes written but not yet taken by QUIC. */
        default int streamWriteBufferBytes() {
            return streams().writeBufferBytes();
        }

        /** Largest frame accepted from the peer. */
        default int maxFrameSize() {
            return streams().maxFrameSize();
        }

        /** How long a writer may wait for a peer that takes nothing. */
        default Duration streamWriteTimeout() {
            return streams().writeTimeout();
        }
    }
}

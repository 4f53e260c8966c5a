package dev.superquic.stream.internal;

/**
 * Told about a stream's traffic and backpressure, for metrics. Called on the event loop and on
 * stream threads, so implementations must be thread-safe and quick.
 */
public interface StreamMeter {
    /** A meter that ignores everything. */
    StreamMeter NONE = new StreamMeter() {
    };

    /** Reading stopped: the inbound buffer reached its bound. */
    default void paused() {
    }

    /** Reading stopped because the connection's or the server's inbound memory is spent. */
    default void budgetSpent() {
    }

    /** Reading resumed after {@code pausedNanos}. */
    default void resumed(long pausedNanos) {
    }

    /** {@code bytes} arrived from the peer. */
    default void received(long bytes) {
    }

    /** QUIC accepted {@code bytes} for sending. */
    default void sent(long bytes) {
    }
}

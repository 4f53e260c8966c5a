package dev.superquic.bench.raw;

/**
 * The baselines' minimal wire protocol, the same over a QUIC stream and a TCP+TLS connection:
 * the client's first byte picks the mode, then raw bytes follow. No framing, no sessions.
 *
 * <p>Over QUIC, a side that has nothing (more) to send finishes at once, as superquic's bench
 * does with {@code sink} and {@code generate}: with Netty 4.2.18 every open sending side costs
 * each packet its connection receives. Discard's server sends its FIN right after the mode byte;
 * generate's client sends its FIN right after the mode byte and stops the server by stopping its
 * reading (STOP_SENDING). Over TCP + TLS, which cannot half-close here, the client's close ends
 * both.
 */
final class RawProtocol {
    /** Echo every byte back. */
    static final byte ECHO = 'E';
    /** Read and drop everything. */
    static final byte DISCARD = 'D';
    /** Send bytes until the client stops reading (QUIC) or finishes its side (TCP). */
    static final byte GENERATE = 'G';
    /** Bytes per write when pumping bulk data. */
    static final int CHUNK = 64 * 1024;

    private RawProtocol() {
    }
}

package dev.superquic.bench.raw;

/**
 * The baselines' minimal wire protocol, the same over a QUIC stream and a TCP+TLS connection:
 * the client's first byte picks the mode, then raw bytes follow. No framing, no sessions.
 */
final class RawProtocol {
    /** Echo every byte back. */
    static final byte ECHO = 'E';
    /** Read and drop everything. */
    static final byte DISCARD = 'D';
    /** Send bytes until the client finishes its side. */
    static final byte GENERATE = 'G';
    /** Bytes per write when pumping bulk data. */
    static final int CHUNK = 64 * 1024;

    private RawProtocol() {
    }
}

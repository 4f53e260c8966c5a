package dev.superquic.server;

/**
 * When the server validates a client's address with a QUIC Retry before keeping any state for it
 * (RFC 9000, section 8.1). A Retry costs the new connection one round trip; without it, the
 * server answers an address it has not validated with its first flight and that flight's
 * retransmissions, which can come to several times what the address sent.
 */
public enum RetryMode {
    /** Never: every handshake starts at once. */
    OFF,
    /** Only while more handshakes are in progress than {@link ServerConfig#retryThreshold()}: a flood. */
    UNDER_LOAD,
    /** Always. */
    ALWAYS
}

package dev.superquic.client.internal;

/** Human descriptions of QUIC CRYPTO_ERROR codes (0x100 + TLS alert). */
final class TlsAlerts {
    private TlsAlerts() {
    }

    static String describe(long quicError, String alpn) {
        int alert = (int) (quicError - 0x100);
        return switch (alert) {
            case 120 -> "the server does not speak ALPN '" + alpn + "' (TLS alert no_application_protocol)";
            case 42, 43, 44, 45, 46, 48, 49 -> "certificate rejected (TLS alert " + alert + ")";
            case 40 -> "handshake failure (TLS alert 40)";
            case 70 -> "protocol version not supported (TLS alert 70)";
            default -> "TLS alert " + alert;
        };
    }
}

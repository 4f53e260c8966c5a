package dev.superquic.server.internal;

import java.util.Locale;

/** Maps handshake failure causes to a small, stable set of metric tags. */
final class HandshakeFailures {
    private HandshakeFailures() {
    }

    static String reason(Throwable cause) {
        String text = String.valueOf(cause == null ? null : cause.getMessage()).toLowerCase(Locale.ROOT);
        if (text.contains("alpn") || text.contains("application protocol") || text.contains("no_application_protocol")) {
            return "alpn";
        }
        if (text.contains("certificate") || text.contains("cert")) {
            return "certificate";
        }
        if (text.contains("timeout") || text.contains("timed out")) {
            return "timeout";
        }
        return "other";
    }
}

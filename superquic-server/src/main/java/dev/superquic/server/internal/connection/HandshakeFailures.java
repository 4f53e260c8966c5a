package dev.superquic.server.internal.connection;

import java.util.Locale;

/** Maps handshake failure causes to a small, stable set of metric tags. */
public final class HandshakeFailures {
    /** Every tag {@link #reason} and {@link #peerAlert} return, registered at start-up. */
    public static final java.util.List<String> REASONS = java.util.List.of("alpn", "certificate", "timeout",
            "client_rejected_certificate", "client_alert", "incomplete", "other");

    private HandshakeFailures() {
    }

    /**
     * The tag for a handshake the client ended with TLS alert {@code alert}: it rejected our
     * certificate (unknown CA, pin mismatch, expired...), or refused for another reason.
     */
    static String peerAlert(int alert) {
        return switch (alert) {
            case 42, 43, 44, 45, 46, 48 -> "client_rejected_certificate";
            case 120 -> "alpn";
            default -> "client_alert";
        };
    }

    /** A TLS alert's name, for the log. */
    static String alertName(int alert) {
        return switch (alert) {
            case 40 -> "handshake_failure";
            case 42 -> "bad_certificate";
            case 43 -> "unsupported_certificate";
            case 44 -> "certificate_revoked";
            case 45 -> "certificate_expired";
            case 46 -> "certificate_unknown";
            case 48 -> "unknown_ca";
            case 120 -> "no_application_protocol";
            default -> "alert " + alert;
        };
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

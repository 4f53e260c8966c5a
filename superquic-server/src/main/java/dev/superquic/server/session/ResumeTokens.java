package dev.superquic.server.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Creation, hashing and redaction of resume tokens and session ids. */
public final class ResumeTokens {
    /** Random bytes in a token: 256 bits, well above the 128-bit floor. */
    public static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResumeTokens() {
    }

    /** A new token: 256 bits from a CSPRNG, base64url without padding. */
    public static String newToken() {
        byte[] b = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A new loggable session id: {@code s-} and 16 hex digits (64 random bits). */
    public static String newSessionId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "s-" + HexFormat.of().formatHex(b);
    }

    /** SHA-256 of the token, the only form a store keeps. */
    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hex of {@link #hash}, usable as a map or database key. */
    public static String hashHex(String token) {
        return HexFormat.of().formatHex(hash(token));
    }

    /** Constant-time comparison of two token hashes. */
    public static boolean hashesEqual(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /** A form safe for logs: the first four characters only. */
    public static String redact(String token) {
        if (token == null) {
            return "null";
        }
        return token.substring(0, Math.min(4, token.length())) + "…";
    }
}

package dev.superquic.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/** SHA-256 certificate fingerprints in the usual colon-separated upper-case hex form. */
public final class Fingerprints {
    private Fingerprints() {
    }

    /** The SHA-256 fingerprint of the certificate's DER encoding, e.g. {@code AB:CD:...}. */
    public static String sha256(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint certificate", e);
        }
    }

    /**
     * Normalises a user-supplied SHA-256 fingerprint (colons, spaces, any case) to plain lower-case
     * hex, or throws {@link IllegalArgumentException} when it is not 32 bytes of hex.
     */
    public static String normalizeSha256(String fingerprint) {
        String hex = fingerprint.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("a SHA-256 fingerprint is 64 hex digits (colons allowed), got '"
                    + fingerprint + "'");
        }
        return hex;
    }
}

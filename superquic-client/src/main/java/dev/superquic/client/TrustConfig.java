package dev.superquic.client;

import java.nio.file.Path;
import java.util.Objects;

/** How the client decides to trust the server's certificate. */
public sealed interface TrustConfig {

    /** Trust certificates issued by the CA certificates in a PEM file. */
    record PemCa(Path caFile) implements TrustConfig {
        /** Validates the path. */
        public PemCa {
            Objects.requireNonNull(caFile, "caFile");
        }
    }

    /** Trust exactly the certificate with this SHA-256 fingerprint (hex, colons optional). */
    record PinnedSha256(String fingerprint) implements TrustConfig {
        /** Validates the fingerprint. */
        public PinnedSha256 {
            fingerprint = dev.superquic.tls.Fingerprints.normalizeSha256(fingerprint);
        }
    }

    /** Trust anything. For development against a self-signed server only: no protection at all. */
    record Insecure() implements TrustConfig {
    }

    /** Trust a PEM CA file. */
    static TrustConfig pemCa(Path caFile) {
        return new PemCa(caFile);
    }

    /** Pin a SHA-256 fingerprint. */
    static TrustConfig pinSha256(String fingerprint) {
        return new PinnedSha256(fingerprint);
    }

    /** Trust anything (development only). */
    static TrustConfig insecure() {
        return new Insecure();
    }
}

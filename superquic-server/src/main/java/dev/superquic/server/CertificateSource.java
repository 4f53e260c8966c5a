package dev.superquic.server;

import java.nio.file.Path;
import java.util.Objects;

/** Where the server's TLS certificate comes from. */
public sealed interface CertificateSource {

    /** A self-signed development certificate generated at start-up; its fingerprint is logged. */
    record SelfSigned() implements CertificateSource {
    }

    /**
     * A PEM certificate chain and a PEM PKCS#8 private key.
     *
     * @param certificateChain PEM file with the certificate (and intermediates)
     * @param privateKey PEM file with the key
     * @param password the key's password, or null when it is not encrypted
     */
    record PemFiles(Path certificateChain, Path privateKey, String password) implements CertificateSource {
        /** Validates the paths. */
        public PemFiles {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
        }

        @Override
        public String toString() {
            return "PemFiles[" + certificateChain + ", " + privateKey + "]";
        }
    }

    /**
     * A PKCS#12 key store with one key entry.
     *
     * @param keyStore the .p12 file
     * @param password its password (may be empty, not null)
     */
    record Pkcs12(Path keyStore, String password) implements CertificateSource {
        /** Validates the fields. */
        public Pkcs12 {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Pkcs12[" + keyStore + "]";
        }
    }
}

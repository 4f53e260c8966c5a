package dev.superquic.server.internal.transport;

import dev.superquic.server.ServerConfig.InvalidSettingException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Checks at start-up that a PEM private key belongs to the certificate it is configured with:
 * BoringSSL accepts a mismatched pair and then fails every handshake (KEY_TYPE_MISMATCH), which an
 * operator sees only as clients that cannot connect. The check signs a few bytes with the key and
 * verifies them with the certificate's public key.
 */
final class KeyPairCheck {
    private KeyPairCheck() {
    }

    /**
     * @throws InvalidSettingException naming both files if the key does not belong to the
     *     certificate; a key this check cannot read is left to the TLS stack to judge
     */
    static void requireMatch(X509Certificate certificate, Path certFile, Path keyFile, String password) {
        PrivateKey key = readKey(keyFile, password);
        String algorithm = switch (key == null ? "" : key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        boolean matches;
        try {
            byte[] probe = "superquic key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            // A key of another type than the certificate's lands here too.
            matches = false;
        }
        if (!matches) {
            throw new InvalidSettingException("key", "does not belong to the certificate in " + certFile
                    + " (every TLS handshake would fail)", keyFile);
        }
    }

    private static PrivateKey readKey(Path keyFile, String password) {
        try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object pem = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (pem instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (pem instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (pem instanceof PKCS8EncryptedPrivateKeyInfo encrypted && password != null) {
                return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder().build(password.toCharArray())));
            }
            return null;
        } catch (Exception e) {
            return null; // the TLS stack reports what is wrong with it
        }
    }
}

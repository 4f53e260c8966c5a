package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.server.CertificateSource;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.tls.DevCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings and files that cannot work are refused at start-up, naming what is wrong. */
class StartupChecksTest {
    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles(@TempDir Path dir) throws Exception {
        DevCertificate one = DevCertificate.generate(Duration.ofDays(1));
        DevCertificate other = DevCertificate.generate(Duration.ofDays(1));
        Path cert = Files.writeString(dir.resolve("cert.pem"), one.certificatePem());
        Path key = Files.writeString(dir.resolve("other-key.pem"), other.privateKeyPem());
        ServerConfig config = Fixtures.serverConfig().certificate(new CertificateSource.PemFiles(cert, key, null)).build();
        assertThatThrownBy(() -> SuperQuicServer.builder(config).start())
                .isInstanceOf(ServerConfig.InvalidSettingException.class)
                .hasMessageContaining("key").hasMessageContaining(cert.toString()).hasMessageContaining(key.toString());

        Path ownKey = Files.writeString(dir.resolve("key.pem"), one.privateKeyPem());
        try (SuperQuicServer server = SuperQuicServer.builder(Fixtures.serverConfig()
                .certificate(new CertificateSource.PemFiles(cert, ownKey, null)).build()).start()) {
            assertThat(server.certificateFingerprint()).isEqualTo(one.sha256Fingerprint());
        }
    }

    @Test
    void theResetSecretIsMadeOnceKeptAndAGarbledOneIsRefused(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("state").resolve("reset-secret");
        ServerConfig config = Fixtures.serverConfig().resetSecretFile(secret).build();
        try (SuperQuicServer server = SuperQuicServer.builder(config).start()) {
            assertThat(secret).exists();
        }
        String made = Files.readString(secret);
        assertThat(made.strip()).matches("[0-9a-f]{64}");
        assertThat(Files.getPosixFilePermissions(secret)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        try (SuperQuicServer again = SuperQuicServer.builder(config).start()) {
            assertThat(Files.readString(secret)).as("kept across restarts").isEqualTo(made);
        }
        Files.writeString(secret, "not hex\n");
        assertThatThrownBy(() -> SuperQuicServer.builder(config).start())
                .isInstanceOf(ServerConfig.InvalidSettingException.class)
                .hasMessageContaining("reset-secret").hasMessageContaining(secret.toString());
    }
}

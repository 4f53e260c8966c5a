package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.server.CertificateSource;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.tls.DevCertificate;
import dev.superquic.testing.Loopback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up and operator checks (issue 15, items 4 and 6): settings and files that cannot work are
 * refused at start-up, naming what is wrong; handshakes a client rejects are logged and counted;
 * the counters that dashboards use read 0 from the start.
 */
abstract class StartupChecks {
    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles(@TempDir Path dir) throws Exception {
        DevCertificate one = DevCertificate.generate(Duration.ofDays(1));
        DevCertificate other = DevCertificate.generate(Duration.ofDays(1));
        Path cert = Files.writeString(dir.resolve("cert.pem"), one.certificatePem());
        Path key = Files.writeString(dir.resolve("other-key.pem"), other.privateKeyPem());
        ServerConfig config = Loopback.serverConfig().certificate(new CertificateSource.PemFiles(cert, key, null)).build();
        assertThatThrownBy(() -> SuperQuicServer.builder(config).start())
                .isInstanceOf(ServerConfig.InvalidSettingException.class)
                .hasMessageContaining("key").hasMessageContaining(cert.toString()).hasMessageContaining(key.toString());

        Path ownKey = Files.writeString(dir.resolve("key.pem"), one.privateKeyPem());
        try (SuperQuicServer server = SuperQuicServer.builder(Loopback.serverConfig()
                .certificate(new CertificateSource.PemFiles(cert, ownKey, null)).build()).start()) {
            assertThat(server.certificateFingerprint()).isEqualTo(one.sha256Fingerprint());
        }
    }

    @Test
    void theResetSecretIsMadeOnceKeptAndAGarbledOneIsRefused(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("state").resolve("reset-secret");
        ServerConfig config = Loopback.serverConfig().resetSecretFile(secret).build();
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

    @Test
    void aPortThatAnotherServerHoldsIsRefusedNamingIt() throws Exception {
        try (SuperQuicServer first = Fixtures.server()) {
            int port = first.localAddress().getPort();
            // The first server's sockets share their port through SO_REUSEPORT: a second server must
            // not join them, or the kernel would split clients between the two.
            assertThatThrownBy(() -> SuperQuicServer.builder(Loopback.serverConfig().port(port).build()).start())
                    .isInstanceOf(ServerConfig.InvalidSettingException.class)
                    .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("already in use");
        }
    }

    @Test
    void aHandshakeTheClientRejectsIsLoggedWithItsAddressAndCounted() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger("dev.superquic.server.internal.connection.ConnectionHandler");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
                new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        logger.addAppender(events);
        // A short idle timeout: the server learns of the refusal when the half-done connection expires.
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().idleTimeout(Duration.ofSeconds(2)).build(),
                     b -> b);
             dev.superquic.client.SuperQuicClient client = new dev.superquic.client.SuperQuicClient(
                     Loopback.clientConfig(server).trust(dev.superquic.client.TrustConfig.pinSha256("00".repeat(32)))
                             .build())) {
            var incomplete = server.meterRegistry().get("superquic.handshake.failures").tag("reason", "incomplete")
                    .counter();
            assertThatThrownBy(client::connect).isInstanceOf(javax.net.ssl.SSLException.class);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> incomplete.count() == 1);
            assertThat(events.list).anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO
                    && e.getFormattedMessage().contains("handshake with /127.0.0.1:")
                    && e.getFormattedMessage().contains("never completed"));
        } finally {
            logger.detachAppender(events);
        }
    }

    @Test
    void theCountersOfPanelsAndAlertsReadZeroFromTheStart() throws Exception {
        try (SuperQuicServer server = Fixtures.server()) {
            var registry = server.meterRegistry();
            for (String reason : new String[] {"alpn", "client_rejected_certificate", "incomplete"}) {
                assertThat(registry.get("superquic.handshake.failures").tag("reason", reason).counter().count()).isZero();
            }
            for (String limit : new String[] {"total", "per_address"}) {
                assertThat(registry.get("superquic.connections.refused").tag("limit", limit).counter().count()).isZero();
            }
            for (String limit : new String[] {"total", "rate"}) {
                assertThat(registry.get("superquic.sessions.refused").tag("limit", limit).counter().count()).isZero();
            }
            assertThat(registry.get("superquic.frames.rejected").tag("code", "LIMIT_EXCEEDED").counter().count())
                    .isZero();
            assertThat(registry.get("superquic.stream.errors").tag("code", "READ_TIMEOUT").counter().count()).isZero();
            assertThat(registry.get("superquic.inbound.memory.waits").counter().count()).isZero();
            assertThat(registry.get("superquic.inbound.memory").gauge().value()).isZero();
            assertThat(registry.get("superquic.replies.dropped").tag("reason", "buffer-full").counter().count())
                    .isZero();
        }
    }
}

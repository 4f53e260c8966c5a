package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.server.tls.DevCertificate;
import dev.superquic.testing.Loopback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three ways a client trusts a server, over real handshakes. */
class TrustTest {
    @Test
    void trustsACaFileAndRefusesAnotherOne(@TempDir Path dir) throws Exception {
        Loopback.PemCertificate cert = Loopback.writeCertificate(dir);
        Path otherCa = Files.writeString(dir.resolve("other.pem"), DevCertificate.generate(Duration.ofDays(1)).certificatePem());
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().certificate(cert.source()).build(), b -> b)) {
            assertThat(server.certificateFingerprint()).isEqualTo(cert.fingerprint());
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                    .trust(TrustConfig.pemCa(cert.certFile())).build());
                 ClientSession session = client.connect();
                 DuplexStream echo = session.openStreamAsync("echo").get(10, TimeUnit.SECONDS)) {
                echo.output().write(1);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).containsExactly(1);
            }
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                    .trust(TrustConfig.pemCa(otherCa)).build())) {
                assertThatThrownBy(client::connect).isInstanceOf(SSLException.class)
                        .hasMessageContaining("certificate");
            }
        }
    }

    @Test
    void insecureModeTrustsAnything() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .trust(TrustConfig.insecure()).build());
             ClientSession session = client.connect()) {
            assertThat(session.isConnected()).isTrue();
        }
    }

    @Test
    void aWrongPinIsRefused() throws Exception {
        // A short idle timeout: the server learns of the refusal only when the half-done connection expires.
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig()
                     .idleTimeout(java.time.Duration.ofSeconds(2)).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .trust(TrustConfig.pinSha256("00".repeat(32))).build())) {
            var incomplete = server.meterRegistry().get("superquic.handshake.failures")
                    .tag("reason", "incomplete").counter();
            assertThat(incomplete.count()).as("registered at start").isZero();
            assertThatThrownBy(client::connect).isInstanceOf(SSLException.class);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                    .until(() -> incomplete.count() == 1);
        }
    }
}

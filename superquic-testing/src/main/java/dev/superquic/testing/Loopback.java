package dev.superquic.testing;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.TrustConfig;
import dev.superquic.server.CertificateSource;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.tls.DevCertificate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Servers and clients on 127.0.0.1 for tests: a free port, a certificate generated for each
 * server, and clients pinned to it, with reconnects fast enough for a test.
 *
 * <pre>{@code
 * try (SuperQuicServer server = SuperQuicServer.builder(Loopback.serverConfig().build())
 *         .service("echo", new EchoService()).start();
 *      SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
 *      ClientSession session = client.connect()) {
 *     ...
 * }
 * }</pre>
 */
public final class Loopback {
    private Loopback() {
    }

    /**
     * A certificate generated for a test and written as PEM files, so that servers restarted
     * within the test present the same certificate and their clients' pins still hold.
     *
     * @param source the server's certificate setting for these files
     * @param fingerprint the SHA-256 fingerprint clients pin
     * @param certFile the certificate's PEM file (a CA file for clients that verify it)
     */
    public record PemCertificate(CertificateSource.PemFiles source, String fingerprint, Path certFile) {
    }

    /** Server settings for a test: 127.0.0.1, a free port, a 5 s hello timeout. */
    public static ServerConfig.Builder serverConfig() {
        return ServerConfig.builder().host("127.0.0.1").port(0).helloTimeout(Duration.ofSeconds(5));
    }

    /** Client settings for {@code server}: pinned to its certificate, fast reconnects. */
    public static ClientConfig.Builder clientConfig(SuperQuicServer server) {
        return clientConfig(server.localAddress(), server.certificateFingerprint());
    }

    /**
     * Client settings for a server (or a relay in front of one) on 127.0.0.1 at
     * {@code address}'s port, whose certificate has this fingerprint: reconnects start after 50 ms
     * and back off to 500 ms, connects wait 5 s and stream opens 20 s.
     */
    public static ClientConfig.Builder clientConfig(InetSocketAddress address, String fingerprint) {
        return ClientConfig.builder()
                .server(new InetSocketAddress("127.0.0.1", address.getPort()))
                .trust(TrustConfig.pinSha256(fingerprint))
                .reconnect(new ReconnectPolicy(true, Duration.ofMillis(50), Duration.ofMillis(500), 2, 0.2, 0))
                .connectTimeout(Duration.ofSeconds(5))
                .streamOpenTimeout(Duration.ofSeconds(20));
    }

    /** Generates a certificate valid for a day and writes it to {@code dir} as cert.pem and key.pem. */
    public static PemCertificate writeCertificate(Path dir) throws IOException {
        DevCertificate dev = DevCertificate.generate(Duration.ofDays(1));
        Path cert = Files.writeString(dir.resolve("cert.pem"), dev.certificatePem());
        Path key = Files.writeString(dir.resolve("key.pem"), dev.privateKeyPem());
        return new PemCertificate(new CertificateSource.PemFiles(cert, key, null), dev.sha256Fingerprint(), cert);
    }
}

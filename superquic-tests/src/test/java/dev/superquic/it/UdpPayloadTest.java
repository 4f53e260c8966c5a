package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.UdpRelay;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The max UDP payload setting: both ends send at most what the other accepts, and bulk data
 * arrives intact whatever the two settings are. A relay between them measures real datagrams.
 */
class UdpPayloadTest {
    private static final int BYTES = 4 * 1024 * 1024;

    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"1350, 1350", "8952, 8952", "1350, 8952", "8952, 1350", "1200, 1200", "4096, 4096", "65507, 65507"})
    void echoIsIntactAndDatagramsStayWithinWhatThePeerAccepts(int serverPayload, int clientPayload)
            throws Exception {
        try (SuperQuicServer server = Fixtures.server(Fixtures.serverConfig().maxUdpPayload(serverPayload).build(),
                b -> b);
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(relay.address(),
                     server.certificateFingerprint()).maxUdpPayload(clientPayload).build());
             ClientSession session = client.connect();
             DuplexStream echo = session.openStream("echo")) {
            byte[] data = new byte[BYTES];
            new Random(42).nextBytes(data);
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    received.complete(digest(echo.input()));
                } catch (Throwable e) {
                    received.completeExceptionally(e);
                }
            });
            echo.output().write(data);
            echo.finishOutput();
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));

            int upMost = Math.min(clientPayload, serverPayload);
            assertThat(relay.largestToTarget()).as("client datagrams").isLessThanOrEqualTo(upMost);
            assertThat(relay.largestFromTarget()).as("server datagrams").isLessThanOrEqualTo(upMost);
            if (upMost > 1350) {
                // Bulk data fills packets up to the agreed size (beyond the default's 1350).
                assertThat(relay.largestToTarget()).isGreaterThan(1350);
                assertThat(relay.largestFromTarget()).isGreaterThan(1350);
            }
        }
    }

    private static byte[] digest(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0;) {
            sha.update(buf, 0, n);
            total += n;
        }
        assertThat(total).isEqualTo(BYTES);
        return sha.digest();
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.MemoryTokenStore;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** With --retry the server validates a client's address before it sends more than a Retry. */
abstract class AddressValidationChecks {
    @Test
    void withRetryClientsConnectAndResumeAsUsual() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().retry(dev.superquic.server.RetryMode.ALWAYS).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(new MemoryTokenStore())
                     .build())) {
            String id;
            try (ClientSession session = client.connect(); DuplexStream echo = session.openStream("echo")) {
                id = session.id();
                echo.output().write(4);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).containsExactly(4);
            }
            try (ClientSession again = client.connect()) {
                assertThat(again.id()).as("resumed through a second Retry").isEqualTo(id);
            }
        }
    }

    @Test
    void anAddressThatNeverAnswersGetsOnlyTheRetry() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().retry(dev.superquic.server.RetryMode.ALWAYS).build(), b -> b);
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                     server.certificateFingerprint()).connectTimeout(Duration.ofSeconds(3)).build())) {
            relay.limitToTarget(1); // the client's first datagram gets through, nothing after it
            assertThatThrownBy(client::connect).isInstanceOf(java.io.IOException.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> relay.bytesFromTarget() > 0);
            System.out.println("first datagram " + relay.bytesToTarget() + " bytes, server sent "
                    + relay.bytesFromTarget() + " bytes");
            assertThat(relay.bytesFromTarget()).as("at most 3x what the address sent (RFC 9000, 8.1)")
                    .isLessThanOrEqualTo(3 * relay.bytesToTarget());
        }
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.testing.Loopback;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Connections beyond the limits are refused at their first packet, counted, and the slots come back. */
abstract class ConnectionLimitChecks {
    @Test
    void connectionsBeyondThePerAddressLimitAreRefusedUntilOneEnds() throws Exception {
        // A short idle timeout: the refused client's last Initials may reach the server after a slot
        // came free and leave a half-done connection, which then holds a slot until it expires.
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().maxConnectionsPerAddress(2)
                     .idleTimeout(Duration.ofSeconds(1)).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .connectTimeout(Duration.ofSeconds(3)).build())) {
            var refused = server.meterRegistry().get("superquic.connections.refused").tag("limit", "per_address").counter();
            ClientSession first = client.connect();
            try (ClientSession second = client.connect()) {
                long start = System.nanoTime();
                assertThatThrownBy(client::connect).as("a third from 127.0.0.1").isInstanceOf(java.io.IOException.class);
                System.out.println("refused connect failed after " + (System.nanoTime() - start) / 1_000_000 + " ms");
                // Each Initial the client sends (its first and any resend) is one refusal.
                assertThat(refused.count()).isPositive();
                assertThat(second.isConnected()).isTrue();
            }
            first.close();
            // Both slots come back once the server has freed every connection, half-done ones too.
            var held = server.meterRegistry().get("superquic.connections.held").gauge();
            await().atMost(Duration.ofSeconds(15)).until(() -> held.value() == 0);
            try (ClientSession again = client.connect(); ClientSession andAgain = client.connect()) {
                assertThat(again.isConnected()).isTrue();
                assertThat(andAgain.isConnected()).isTrue();
            }
        }
    }
}

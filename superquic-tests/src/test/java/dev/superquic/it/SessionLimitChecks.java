package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.client.ClientSession;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.testing.Loopback;
import org.junit.jupiter.api.Test;

/** Hellos beyond the sessions limit or an address's hello rate are refused with LIMIT_EXCEEDED. */
abstract class SessionLimitChecks {
    @Test
    void aHelloThatNeedsASessionBeyondTheLimitIsRefused() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().maxSessions(2).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .reconnect(ReconnectPolicy.disabled()).build());
             ClientSession one = client.connect();
             ClientSession two = client.connect()) {
            assertThatThrownBy(client::connect).isInstanceOf(ProtocolException.class)
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
            assertThat(server.meterRegistry().get("superquic.sessions.refused").tag("limit", "total").counter().count())
                    .isEqualTo(1);
            assertThat(one.isConnected() && two.isConnected()).isTrue();
        }
    }

    @Test
    void helloRateIsLimitedPerAddress() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().helloRatePerAddress(0.01)
                     .helloBurstPerAddress(2).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .reconnect(ReconnectPolicy.disabled()).build())) {
            client.connect().close();
            client.connect().close();
            assertThatThrownBy(client::connect).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("too many session requests")
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
            assertThat(server.meterRegistry().get("superquic.sessions.refused").tag("limit", "rate").counter().count())
                    .isEqualTo(1);
        }
    }
}

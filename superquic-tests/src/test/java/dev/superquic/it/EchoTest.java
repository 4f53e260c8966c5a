package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EchoTest {
    @Test
    void newSessionAndEcho() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(server).build());
             ClientSession session = client.connect()) {
            assertThat(session.id()).startsWith("s-");
            assertThat(session.lastEvent().resumed()).isFalse();
            assertThat(session.lastEvent().reason()).isNull();
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write("hello quic".getBytes(StandardCharsets.UTF_8));
                echo.finishOutput();
                assertThat(new String(echo.input().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello quic");
            }
            assertThat(server.activeConnections()).isEqualTo(1);
        }
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import dev.superquic.transport.ConnectionStats;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EchoTest {
    @Test
    void newSessionAndEcho() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            assertThat(session.id()).startsWith("s-");
            assertThat(session.lastEvent().resumed()).isFalse();
            assertThat(session.lastEvent().reason()).isNull();
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write("hello quic".getBytes(StandardCharsets.UTF_8));
                echo.finishOutput();
                assertThat(new String(Fixtures.readAll(echo), StandardCharsets.UTF_8)).isEqualTo("hello quic");
            }
            assertThat(server.activeConnections()).isEqualTo(1);
        }
    }

    @Test
    void theClientSeesItsConnectionsStatistics() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build())) {
            ClientSession session = client.connect();
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write(new byte[100_000]);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).hasSize(100_000);
            }
            ConnectionStats stats = session.connectionStats().orElseThrow();
            assertThat(stats.rtt()).isPositive().isLessThan(Duration.ofSeconds(1));
            assertThat(stats.udpPayload()).isEqualTo(1350);
            assertThat(stats.packetsSent()).isGreaterThan(100_000 / 1350);
            assertThat(stats.packetsReceived()).isGreaterThan(100_000 / 1350);
            assertThat(stats.bytesSent()).isGreaterThan(100_000);
            assertThat(stats.packetsLost()).isZero();
            session.close();
            assertThat(session.connectionStats()).isEmpty();
        }
    }

    @Test
    void overIpv6Loopback() throws Exception {
        assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback");
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().host("::1").build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .server(new InetSocketAddress("::1", server.localAddress().getPort())).build());
             ClientSession session = client.connect();
             DuplexStream echo = session.openStream("echo")) {
            assertThat(server.localAddress().getAddress()).isInstanceOf(Inet6Address.class);
            echo.output().write("hello over ipv6".getBytes(StandardCharsets.UTF_8));
            echo.finishOutput();
            assertThat(new String(Fixtures.readAll(echo), StandardCharsets.UTF_8)).isEqualTo("hello over ipv6");
        }
    }

    private static boolean ipv6Loopback() {
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress("::1", 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}

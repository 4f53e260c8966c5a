package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
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
    void aServerOnSeveralAddressesAnswersEachClientFromTheAddressItUsed() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Fixtures.serverConfig().host("127.0.0.1,127.0.0.2").build(),
                b -> b)) {
            int port = server.localAddress().getPort();
            for (String address : new String[] {"127.0.0.1", "127.0.0.2"}) {
                // A QUIC client drops packets from any other address than the one it sent to: the
                // echo coming back proves where the replies left from.
                var config = Fixtures.clientConfig(server).server(new InetSocketAddress(address, port)).build();
                try (SuperQuicClient client = new SuperQuicClient(config);
                     ClientSession session = client.connect();
                     DuplexStream echo = session.openStream("echo")) {
                    echo.output().write(address.getBytes(StandardCharsets.UTF_8));
                    echo.finishOutput();
                    assertThat(new String(Fixtures.readAll(echo), StandardCharsets.UTF_8)).isEqualTo(address);
                }
            }
        }
    }

    @Test
    void aServerOnTheWildcardAddressAnswersEachClientFromTheAddressItUsed() throws Exception {
        // 127.0.0.2 is this host's too (the loopback net), but not the address that the kernel's
        // route picks for a reply to 127.0.0.1; ::1 covers the IPv6 side of the dual-stack socket.
        for (String wildcard : new String[] {"0.0.0.0", "::"}) {
            try (SuperQuicServer server = Fixtures.server(Fixtures.serverConfig().host(wildcard).build(), b -> b)) {
                int port = server.localAddress().getPort();
                for (String address : new String[] {"127.0.0.2", "127.0.0.1", "::1"}) {
                    var config = Fixtures.clientConfig(server).server(new InetSocketAddress(address, port)).build();
                    try (SuperQuicClient client = new SuperQuicClient(config);
                         ClientSession session = client.connect()) {
                        // A short echo, then one of 2 MiB (within the stream windows, so it can be
                        // written whole before reading): its replies leave in segmented datagrams.
                        for (int size : new int[] {16, 2 << 20}) {
                            byte[] payload = new byte[size];
                            java.util.concurrent.ThreadLocalRandom.current().nextBytes(payload);
                            try (DuplexStream echo = session.openStream("echo")) {
                                echo.output().write(payload);
                                echo.finishOutput();
                                assertThat(Fixtures.readAll(echo)).as("echo of %d bytes via %s to %s", size, address,
                                        wildcard).isEqualTo(payload);
                            }
                        }
                    }
                }
            }
        }
    }

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
                assertThat(new String(Fixtures.readAll(echo), StandardCharsets.UTF_8)).isEqualTo("hello quic");
            }
            assertThat(server.activeConnections()).isEqualTo(1);
        }
    }

    @Test
    void theClientSeesItsConnectionsStatistics() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(server).build())) {
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
        try (SuperQuicServer server = Fixtures.server(Fixtures.serverConfig().host("::1").build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(server)
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

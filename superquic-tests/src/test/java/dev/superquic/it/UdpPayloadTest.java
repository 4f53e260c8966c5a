package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The max UDP payload setting: both ends send at most what the other accepts, and bulk data
 * arrives intact whatever the two settings are; with PMTU discovery a raised setting also works
 * over a path that carries less. A relay between them measures real datagrams and plays the
 * smaller path.
 */
class UdpPayloadTest {
    private static final int BYTES = 4 * 1024 * 1024;
    /** What a hop with a 1500-byte IPv4 MTU carries. */
    private static final int PATH_MAX_PAYLOAD = 1472;
    /** The raised max UDP payload of the discovery tests (a jumbo frame's). */
    private static final int CEILING = 8952;

    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"1350, 1350", "8952, 8952", "1350, 8952", "8952, 1350", "1200, 1200", "4096, 4096", "65507, 65507"})
    void echoIsIntactAndDatagramsStayWithinWhatThePeerAccepts(int serverPayload, int clientPayload)
            throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().maxUdpPayload(serverPayload).build(),
                b -> b);
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                     server.certificateFingerprint()).maxUdpPayload(clientPayload).build())) {
            assertEchoIsIntact(client, 60);

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

    @Test
    void discoveryFindsWhatThePathCarriesAndNoMore() throws Exception {
        try (SuperQuicServer server = discoveringServer();
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = discoveringClient(server, relay)) {
            relay.pathMaxPayload(PATH_MAX_PAYLOAD);
            try (ClientSession session = client.connect()) {
                assertEchoIsIntact(session, 60);
                // Both ends get above the default 1350 (towards the path's 1472)...
                echoUntil(session, () -> relay.largestDeliveredToTarget() > 1350
                        && relay.largestDeliveredFromTarget() > 1350
                        && session.connectionStats().orElseThrow().udpPayload() > 1350);
                assertThat(session.connectionStats().orElseThrow().udpPayload()).isLessThanOrEqualTo(PATH_MAX_PAYLOAD);
            }
            // ...at the cost of a few dozen lost probes, not of the thousands of packets of data.
            assertThat(relay.oversized()).as("datagrams too large for the path").isPositive().isLessThan(300);
        }
    }

    @Test
    void aPathThatShrinksAfterDiscoveryCostsTheConnectionButNotTheSession() throws Exception {
        // quiche keeps a discovered size for good (no black-hole detection): when the path
        // shrinks under it, full packets are lost, while acknowledgements and other small packets
        // pass and keep both ends' idle timers going, for as long as the client has data. The
        // client's PathWatch sees it lose nearly everything and closes the connection
        // (PATH_FAILED). The session survives: the client reconnects, resumes it and discovers
        // the new path.
        try (SuperQuicServer server = discoveringServer();
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = discoveringClient(server, relay, Duration.ofSeconds(2));
             ClientSession session = client.connect()) {
            assertEchoIsIntact(session, 60);
            echoUntil(session, () -> session.connectionStats().orElseThrow().udpPayload() > PATH_MAX_PAYLOAD);
            String sessionId = session.id();

            relay.pathMaxPayload(PATH_MAX_PAYLOAD);
            // A stream that sends data then stalls, and is cut off with the connection.
            try (DuplexStream stalled = session.openStream("echo")) {
                CompletableFuture<byte[]> cutOff = echoInBackground(stalled);
                Thread.ofVirtual().start(() -> {
                    try {
                        stalled.output().write(new byte[64 * 1024]);
                    } catch (Exception e) {
                        // cut off with the connection, as the reader sees
                    }
                });
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> session.lastEvent().resumed());
                assertThat(cutOff).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                        .withMessageContaining("its connection was closed by this client (PATH_FAILED: "
                                + "the path stopped carrying packets of");
            }
            assertThat(session.id()).isEqualTo(sessionId);
            assertEchoIsIntact(session, 60);
            echoUntil(session, () -> session.connectionStats().orElseThrow().udpPayload() > 1350);
            assertThat(session.connectionStats().orElseThrow().udpPayload()).isLessThanOrEqualTo(PATH_MAX_PAYLOAD);
        }
    }

    @Test
    void discoveryWithLittleTrafficOnASmallerPathKeepsItsConnection() throws Exception {
        // While discovery searches, its probes too large for the path are lost, and with little
        // data they are most of the bytes sent. quiche does not count lost probes as lost packets,
        // so the client's PathWatch must not take the search for a black hole.
        try (SuperQuicServer server = discoveringServer();
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = discoveringClient(server, relay, Duration.ofSeconds(2))) {
            relay.pathMaxPayload(PATH_MAX_PAYLOAD);
            try (ClientSession session = client.connect()) {
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < end) {
                    try (DuplexStream echo = session.openStream("echo")) {
                        echo.output().write(new byte[100]);
                        echo.finishOutput();
                        assertThat(Fixtures.readAll(echo)).hasSize(100);
                    }
                }
                assertThat(relay.oversized()).as("probes too large for the path").isPositive();
                assertThat(session.lastEvent().reconnect()).as("the session's connection was replaced: %s",
                        session.lastEvent()).isFalse();
            }
        }
    }

    @Test
    void aQuietDiscoveringClientKeepsItsConnectionPastTheIdleTimeout() throws Exception {
        // Keep-alive pings go out with PMTU discovery too (PathWatch, not the idle timeout, ends
        // a connection whose path shrank).
        try (SuperQuicServer server = discoveringServer();
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = discoveringClient(server, relay, Duration.ofSeconds(2));
             ClientSession session = client.connect()) {
            assertEchoIsIntact(session, 60);
            // Two and a half idle timeouts without a word from the application.
            Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                    .until(() -> !session.lastEvent().reconnect() && server.activeConnections() == 1);
            assertEchoIsIntact(session, 60);
            assertThat(session.lastEvent().reconnect()).as("%s", session.lastEvent()).isFalse();
        }
    }

    @Test
    void discoveryReachesTheCeilingWhereThePathCarriesIt() throws Exception {
        try (SuperQuicServer server = discoveringServer();
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = discoveringClient(server, relay)) {
            assertEchoIsIntact(client, 60);

            assertThat(relay.largestToTarget()).as("client datagrams").isGreaterThan(PATH_MAX_PAYLOAD)
                    .isLessThanOrEqualTo(CEILING);
            assertThat(relay.largestFromTarget()).as("server datagrams").isGreaterThan(PATH_MAX_PAYLOAD)
                    .isLessThanOrEqualTo(CEILING);
        }
    }

    @Test
    void withoutDiscoveryAPayloadThePathDoesNotCarryStallsTheConnection() throws Exception {
        // Why discovery exists: a raised maxUdpPayload that some hop does not carry loses every
        // full packet of data, again and again.
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().maxUdpPayload(CEILING).build(), b -> b);
             UdpRelay relay = new UdpRelay(server.localAddress());
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                     server.certificateFingerprint()).maxUdpPayload(CEILING).build());
             ClientSession session = client.connect();
             DuplexStream echo = session.openStream("echo")) {
            relay.pathMaxPayload(PATH_MAX_PAYLOAD);
            byte[] data = new byte[64 * 1024];
            CompletableFuture<byte[]> received = echoInBackground(echo);
            Thread.ofVirtual().start(() -> {
                try {
                    echo.output().write(data);
                    echo.finishOutput();
                } catch (Exception e) {
                    // the stream goes with the connection at the end of the test
                }
            });
            // A connection that got its data through would stop sending datagrams the path drops;
            // this one retransmits the same full packets on every probe timeout.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> relay.oversized() >= 8);
            assertThat(received).isNotDone();
            assertThat(relay.largestToTarget()).isGreaterThan(PATH_MAX_PAYLOAD);
        }
    }

    /**
     * Echoes 64 KiB at a time until {@code done}, for at most 30 s. A search closes in on the
     * path's size by binary search from the ceiling, three lost probes per size too large, and
     * its probes go out with data: how far it got after one echo varies from run to run.
     */
    private static void echoUntil(ClientSession session, BooleanSupplier done) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write(new byte[64 * 1024]);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).hasSize(64 * 1024);
            }
            return false;
        });
    }

    private static SuperQuicServer discoveringServer() throws Exception {
        return Fixtures.server(Loopback.serverConfig().maxUdpPayload(CEILING).discoverPmtu(true).build(), b -> b);
    }

    private static SuperQuicClient discoveringClient(SuperQuicServer server, UdpRelay relay) throws Exception {
        return new SuperQuicClient(discoveringClientConfig(server, relay).build());
    }

    /** A discovering client whose connections time out after {@code idleTimeout} of silence. */
    private static SuperQuicClient discoveringClient(SuperQuicServer server, UdpRelay relay, Duration idleTimeout)
            throws Exception {
        return new SuperQuicClient(discoveringClientConfig(server, relay).idleTimeout(idleTimeout).build());
    }

    private static ClientConfig.Builder discoveringClientConfig(SuperQuicServer server, UdpRelay relay) {
        return Loopback.clientConfig(relay.address(), server.certificateFingerprint()).maxUdpPayload(CEILING)
                .discoverPmtu(true);
    }

    /** Echoes {@link #BYTES} random bytes on a new session and checks they come back intact. */
    private static void assertEchoIsIntact(SuperQuicClient client, int seconds) throws Exception {
        try (ClientSession session = client.connect()) {
            assertEchoIsIntact(session, seconds);
        }
    }

    /** Echoes {@link #BYTES} random bytes on {@code session} and checks they come back intact. */
    private static void assertEchoIsIntact(ClientSession session, int seconds) throws Exception {
        try (DuplexStream echo = session.openStream("echo")) {
            byte[] data = new byte[BYTES];
            new Random(42).nextBytes(data);
            CompletableFuture<byte[]> received = echoInBackground(echo);
            echo.output().write(data);
            echo.finishOutput();
            assertThat(Fixtures.getOrDescribe(received, echo, Duration.ofSeconds(seconds)))
                    .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        }
    }

    /** The digest of all {@code echo} sends back, read on a virtual thread. */
    private static CompletableFuture<byte[]> echoInBackground(DuplexStream echo) {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                received.complete(digest(echo.input()));
            } catch (Throwable e) {
                received.completeExceptionally(e);
            }
        });
        return received;
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

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.MemoryTokenStore;
import dev.superquic.client.SessionEvent;
import dev.superquic.client.SessionListener;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages.NotResumedReason;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.testing.Loopback;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions live apart from connections: resume, expiry, unknown tokens, takeover. */
class SessionsTest {

    /** Records what a session's listener hears. */
    static final class Events implements SessionListener {
        final CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
        final CompletableFuture<SessionEvent> reconnected = new CompletableFuture<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onConnected(SessionEvent event) {
            if (event.reconnect()) {
                reconnected.complete(event);
            }
        }

        @Override
        public void onDisconnected(Throwable cause) {
            disconnected.complete(cause);
        }

        @Override
        public void onClosed(Throwable cause) {
            closed.complete(cause);
        }
    }

    @Test
    void resumeAfterAbruptConnectionLossKeepsIdAndState() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            var config = Loopback.clientConfig(relay.address(), server.certificateFingerprint())
                    .idleTimeout(Duration.ofSeconds(1)).build();
            Events events = new Events();
            try (SuperQuicClient client = new SuperQuicClient(config);
                 ClientSession session = client.connect(events)) {
                String id = session.id();
                Kv.put(session, "color", "blue");

                relay.mode(UdpRelay.Mode.BLACKHOLE); // the network dies without a word
                assertThat(events.disconnected.get(10, TimeUnit.SECONDS))
                        .hasMessage("connection timed out (nothing heard from the peer within the idle timeout)");
                relay.mode(UdpRelay.Mode.PASS);

                SessionEvent back = events.reconnected.get(10, TimeUnit.SECONDS);
                assertThat(back.resumed()).isTrue();
                assertThat(back.sessionId()).isEqualTo(id);
                assertThat(session.id()).isEqualTo(id);
                assertThat(Kv.get(session, "color")).contains("blue");
            }
        }
    }

    @Test
    void keepAliveHoldsAQuietConnectionOpenPastTheIdleTimeout() throws Exception {
        // 2 s: pings leave at most 2/3 of it after the last packet, which leaves a loaded
        // machine's scheduling some room.
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().idleTimeout(Duration.ofSeconds(2)).build(),
                b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build())) {
            Events events = new Events();
            try (ClientSession session = client.connect(events)) {
                Kv.put(session, "color", "blue");
                // Two and a half idle timeouts without a word from the application.
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                        .until(() -> !events.disconnected.isDone() && server.activeConnections() == 1);
                assertThat(Kv.get(session, "color")).contains("blue");
                assertThat(events.disconnected).isNotDone();
            }
        }
    }

    @Test
    void withoutKeepAliveAQuietConnectionTimesOutAndTheSessionReconnects() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().idleTimeout(Duration.ofSeconds(1)).build(),
                b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).keepAlive(false).build())) {
            Events events = new Events();
            try (ClientSession session = client.connect(events)) {
                Kv.put(session, "color", "blue");
                assertThat(events.disconnected.get(10, TimeUnit.SECONDS))
                        .hasMessage("connection timed out (nothing heard from the peer within the idle timeout)");
                assertThat(events.reconnected.get(10, TimeUnit.SECONDS).resumed()).isTrue();
                assertThat(Kv.get(session, "color")).contains("blue");
            }
        }
    }

    @Test
    void afterTheTtlAResumeGetsANewSessionWithReasonExpired() throws Exception {
        var config = Loopback.serverConfig().sessionTtl(Duration.ofMillis(300)).build();
        MemoryTokenStore tokens = new MemoryTokenStore();
        try (SuperQuicServer server = Fixtures.server(config, b -> b)) {
            String firstId;
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build());
                 ClientSession session = client.connect()) {
                firstId = session.id();
                Kv.put(session, "k", "v");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.sessionStore().counts().detached() == 0
                    && server.sessionStore().counts().attached() == 0);
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build());
                 ClientSession session = client.connect()) {
                assertThat(session.lastEvent().resumed()).isFalse();
                assertThat(session.lastEvent().reason()).isEqualTo(NotResumedReason.EXPIRED);
                assertThat(session.id()).isNotEqualTo(firstId);
                assertThat(Kv.get(session, "k")).as("expired state is gone").isEmpty();
            }
        }
    }

    @Test
    void resumeWithinTheTtlFromANewClientKeepsState() throws Exception {
        MemoryTokenStore tokens = new MemoryTokenStore();
        try (SuperQuicServer server = Fixtures.server()) {
            String firstId;
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build());
                 ClientSession session = client.connect()) {
                firstId = session.id();
                Kv.put(session, "a", "1");
            }
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build());
                 ClientSession session = client.connect()) {
                assertThat(session.lastEvent().resumed()).isTrue();
                assertThat(session.id()).isEqualTo(firstId);
                assertThat(Kv.get(session, "a")).contains("1");
            }
        }
    }

    @Test
    void unknownTokenGetsANewSessionWithReasonUnknown() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .tokenStore(new MemoryTokenStore("not-a-token-this-server-issued")).build());
             ClientSession session = client.connect()) {
            assertThat(session.lastEvent().resumed()).isFalse();
            assertThat(session.lastEvent().reason()).isEqualTo(NotResumedReason.UNKNOWN);
            assertThat(session.id()).startsWith("s-");
        }
    }

    @Test
    void resumingAnAttachedSessionTakesItOverAndClosesTheOlderConnection() throws Exception {
        MemoryTokenStore tokens = new MemoryTokenStore();
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient first = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build());
             SuperQuicClient second = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build())) {
            Events firstEvents = new Events();
            ClientSession older = first.connect(firstEvents);
            Kv.put(older, "owner", "first");
            try (ClientSession newer = second.connect()) {
                assertThat(newer.lastEvent().resumed()).isTrue();
                assertThat(newer.id()).isEqualTo(older.id());
                assertThat(Kv.get(newer, "owner")).contains("first");

                Throwable cause = firstEvents.closed.get(10, TimeUnit.SECONDS);
                assertThat(cause).isInstanceOf(ProtocolException.class);
                assertThat(((ProtocolException) cause).code()).isEqualTo(ErrorCode.SESSION_TAKEN_OVER);
                assertThat(cause).hasMessageContaining(
                        "connection closed by the server (SESSION_TAKEN_OVER: session resumed by another connection)");
                assertThat(older.closedCause()).isPresent();
                assertThat(server.activeConnections()).isEqualTo(1);
            }
        }
    }

    @Test
    void clientReconnectsAcrossAServerRestartAndResumesWhenTheStoreSurvives(@TempDir Path dir) throws Exception {
        Loopback.PemCertificate cert = Loopback.writeCertificate(dir);
        var config = Loopback.serverConfig().certificate(cert.source()).build();
        try (InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(5))) {
            SuperQuicServer server = Fixtures.server(config, b -> b.sessionStore(store));
            int port = server.localAddress().getPort();
            Events events = new Events();
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
                 ClientSession session = client.connect(events)) {
                String id = session.id();
                Kv.put(session, "survives", "yes");
                server.close();
                assertThat(events.disconnected.get(10, TimeUnit.SECONDS)).hasMessageContaining("GOING_AWAY");
                try (SuperQuicServer restarted = Fixtures.server(config.toBuilder().port(port).build(),
                        b -> b.sessionStore(store))) {
                    SessionEvent back = events.reconnected.get(20, TimeUnit.SECONDS);
                    assertThat(back.resumed()).isTrue();
                    assertThat(back.sessionId()).isEqualTo(id);
                    assertThat(Kv.get(session, "survives")).contains("yes");
                    assertThat(restarted.activeConnections()).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void clientReconnectsAcrossAServerRestartWithANewSessionWhenTheStoreIsNew(@TempDir Path dir) throws Exception {
        Loopback.PemCertificate cert = Loopback.writeCertificate(dir);
        var config = Loopback.serverConfig().certificate(cert.source()).build();
        SuperQuicServer server = Fixtures.server(config, b -> b);
        int port = server.localAddress().getPort();
        Events events = new Events();
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect(events)) {
            String id = session.id();
            Kv.put(session, "lost", "yes");
            server.close();
            events.disconnected.get(10, TimeUnit.SECONDS);
            try (SuperQuicServer restarted = Fixtures.server(config.toBuilder().port(port).build(), b -> b)) {
                SessionEvent back = events.reconnected.get(20, TimeUnit.SECONDS);
                assertThat(back.resumed()).isFalse();
                assertThat(back.reason()).isEqualTo(NotResumedReason.UNKNOWN);
                assertThat(back.sessionId()).isNotEqualTo(id);
                assertThat(Kv.get(session, "lost")).isEmpty();
            }
        }
    }
}

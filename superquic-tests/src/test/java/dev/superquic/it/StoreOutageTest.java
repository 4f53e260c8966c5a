package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.client.ClientSession;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A session store that fails: hellos that need it are refused with STORE_UNAVAILABLE, state
 * operations fail with it while the stream goes on, streams that do not touch the store are not
 * affected, and everything works again once the store is back. The store is a real in-memory one
 * behind a switch that makes every call fail, as an unreachable remote store would.
 */
class StoreOutageTest {
    @Test
    void anUnavailableStoreRefusesHellosAndStateOperationsAndTheServerRecoversWithIt() throws Exception {
        SwitchableStore store = new SwitchableStore(new InMemorySessionStore(Duration.ofMinutes(1)));
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().build(), b -> b.sessionStore(store));
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server)
                     .reconnect(ReconnectPolicy.disabled()).build());
             ClientSession session = client.connect()) {
            Kv.put(session, "k", "before");
            store.down.set(true);

            assertThatThrownBy(client::connect).isInstanceOf(ProtocolException.class)
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
            assertThatThrownBy(() -> Kv.put(session, "k", "during")).isInstanceOf(ProtocolException.class)
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write("still here".getBytes(StandardCharsets.UTF_8));
                echo.finishOutput();
                assertThat(new String(Fixtures.readAll(echo), StandardCharsets.UTF_8)).isEqualTo("still here");
            }
            assertThat(server.meterRegistry().get("superquic.session.store.errors").tag("op", "create").counter()
                    .count()).isEqualTo(1);
            assertThat(server.meterRegistry().get("superquic.session.store.errors").tag("op", "put").counter()
                    .count()).isEqualTo(1);

            store.down.set(false);
            assertThat(Kv.get(session, "k")).as("nothing changed while the store was down").contains("before");
            try (ClientSession again = client.connect()) {
                assertThat(again.isConnected()).isTrue();
            }
            assertThat(server.meterRegistry().get("superquic.session.store").tag("kind", "SwitchableStore").gauge().value())
                    .isEqualTo(1);
        }
    }

    /** A real store behind a switch that makes every call fail. */
    private static final class SwitchableStore implements SessionStore {
        final AtomicBoolean down = new AtomicBoolean();
        private final SessionStore store;

        SwitchableStore(SessionStore store) {
            this.store = store;
        }

        private void check() {
            if (down.get()) {
                throw new SessionStoreException("store unreachable (switched off by the test)");
            }
        }

        @Override
        public Duration ttl() {
            return store.ttl();
        }

        @Override
        public NewSession create(String owner) {
            check();
            return store.create(owner);
        }

        @Override
        public AttachResult attach(String token, String owner) {
            check();
            return store.attach(token, owner);
        }

        @Override
        public boolean detach(String sessionId, long generation) {
            check();
            return store.detach(sessionId, generation);
        }

        @Override
        public Optional<String> get(String sessionId, String key) {
            check();
            return store.get(sessionId, key);
        }

        @Override
        public void put(String sessionId, long generation, String key, String value) {
            check();
            store.put(sessionId, generation, key, value);
        }

        @Override
        public boolean delete(String sessionId, long generation, String key) {
            check();
            return store.delete(sessionId, generation, key);
        }

        @Override
        public Map<String, String> entries(String sessionId) {
            check();
            return store.entries(sessionId);
        }

        @Override
        public SessionCounts counts() {
            return store.counts();
        }

        @Override
        public void onExpired(Consumer<String> listener) {
            store.onExpired(listener);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}

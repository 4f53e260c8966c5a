package dev.superquic.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.server.session.SessionStore.AttachResult.Status;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.testing.session.SessionStoreContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract against a real redis-server, plus what only a shared, remote store does. */
class RedisSessionStoreTest extends SessionStoreContract {
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        assertThat(redis.command("FLUSHALL")).isEqualTo("+OK"); // each test on an empty Redis: counts are global
        return RedisSessionStore.open(redis.uri(), ttl, maxKeys, maxChars, Duration.ofSeconds(2));
    }

    @Test
    void twoStoresOnOneRedisShareSessionsAndATakeoverIsToldToTheOldOwner() {
        try (var nodeA = newStore(Duration.ofMinutes(1));
             var nodeB = RedisSessionStore.open(redis.uri(), Duration.ofMinutes(1), 100, 10_000, Duration.ofSeconds(2))) {
            List<String> toldA = new CopyOnWriteArrayList<>();
            nodeA.onTakenOver(toldA::add);
            var s = nodeA.create("node-a/c1");
            nodeA.put(s.sessionId(), s.generation(), "k", "v");
            var taken = nodeB.attach(s.token(), "node-b/c7");
            assertThat(taken.status()).isEqualTo(Status.ATTACHED);
            assertThat(taken.previousOwner()).isEqualTo("node-a/c1");
            assertThat(nodeB.get(s.sessionId(), "k")).contains("v");
            await().atMost(Duration.ofSeconds(5)).until(() -> toldA.contains("node-a/c1"));
        }
    }

    @Test
    void aRedisOutageFailsCallsWithAStoreErrorAndTheStoreRecoversByItself() throws Exception {
        try (var store = newStore(Duration.ofMinutes(1))) {
            var s = store.create("n/c1");
            redis.kill();
            try {
                assertThatThrownBy(() -> store.create("n/c2")).isInstanceOf(SessionStoreException.class)
                        .hasMessageContaining("127.0.0.1");
                assertThatThrownBy(() -> store.get(s.sessionId(), "k")).isInstanceOf(SessionStoreException.class);
            } finally {
                redis.restart();
            }
            // An empty Redis came back (no persistence here): the old session is gone, new ones work.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> store.create("n/c3").sessionId() != null);
            assertThat(store.attach(s.token(), "n/c4").status()).isEqualTo(Status.UNKNOWN);
        }
    }

    /** The channel contract, against stores made as above. */
    @org.junit.jupiter.api.Nested
    class Channels extends dev.superquic.testing.session.ChannelLogContract {
        @Override
        protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
            return RedisSessionStoreTest.this.newStore(ttl, maxKeys, maxChars);
        }
    }
}

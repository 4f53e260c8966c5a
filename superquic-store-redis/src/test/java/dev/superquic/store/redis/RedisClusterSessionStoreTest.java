package dev.superquic.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.server.session.SessionStore.AttachResult.Status;
import dev.superquic.server.session.SessionStore;
import dev.superquic.testing.session.SessionStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract against a real three-node Redis Cluster: every session's keys share a slot,
 * so its scripts run there; the counting keys live elsewhere.
 */
class RedisClusterSessionStoreTest extends SessionStoreContract {
    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        cluster.flushAll(); // each test on an empty cluster: counts are global
        return RedisSessionStore.open(cluster.uri(), ttl, maxKeys, maxChars, Duration.ofSeconds(2));
    }

    @Test
    void sessionsSpreadOverTheClusterAndResumeFromAnotherStore() {
        try (var a = newStore(Duration.ofMinutes(1));
             var b = RedisSessionStore.open(cluster.uri(), Duration.ofMinutes(1), 100, 10_000, Duration.ofSeconds(2))) {
            for (int i = 0; i < 20; i++) { // 20 sessions: several slots, so several nodes
                var s = a.create("node-a/c" + i);
                a.put(s.sessionId(), s.generation(), "k", "v" + i);
                var taken = b.attach(s.token(), "node-b/c" + i);
                assertThat(taken.status()).isEqualTo(Status.ATTACHED);
                assertThat(b.get(s.sessionId(), "k")).contains("v" + i);
            }
        }
    }

    /** The channel contract, against stores made as above. */
    @org.junit.jupiter.api.Nested
    class Channels extends dev.superquic.testing.session.ChannelLogContract {
        @Override
        protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
            return RedisClusterSessionStoreTest.this.newStore(ttl, maxKeys, maxChars);
        }
    }
}

package dev.superquic.testing.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.server.session.SessionFencedException;
import dev.superquic.server.session.SessionGoneException;
import dev.superquic.server.session.SessionStore.AttachResult.Status;
import dev.superquic.server.session.SessionStore.AttachResult;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.StateLimitException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionStore} must do, whatever keeps the sessions: each implementation's
 * test extends this class and says how to make a store.
 */
public abstract class SessionStoreContract {
    /** For subclasses, which say how to make the store under test. */
    protected SessionStoreContract() {
    }

    /** A new, empty store with these settings. */
    protected abstract SessionStore newStore(Duration ttl, int maxKeys, long maxChars);

    /** A new, empty store with the default state limits. */
    protected SessionStore newStore(Duration ttl) {
        return newStore(ttl, InMemorySessionStore.DEFAULT_MAX_KEYS, InMemorySessionStore.DEFAULT_MAX_CHARS);
    }

    @Test
    public void tokensAreLongRandomAndNotTheSessionId() {
        try (var store = newStore(Duration.ofMinutes(1))) {
            var a = store.create("n/c1");
            var b = store.create("n/c2");
            assertThat(a.token()).isNotEqualTo(b.token()).doesNotContain(a.sessionId());
            assertThat(java.util.Base64.getUrlDecoder().decode(a.token())).hasSizeGreaterThanOrEqualTo(16);
            assertThat(a.toString()).doesNotContain(a.token());
        }
    }

    @Test
    public void stateIsBoundedInKeysAndCharactersAndARefusedPutChangesNothing() {
        try (var store = newStore(Duration.ofMinutes(1), 2, 10)) {
            String id = store.create("n/c1").sessionId();
            store.put(id, 1, "a", "1234");                    // 5 characters
            store.put(id, 1, "b", "12");                      // 8
            assertThatThrownBy(() -> store.put(id, 1, "c", "")).isInstanceOf(StateLimitException.class)
                    .hasMessageContaining("2 keys");
            assertThatThrownBy(() -> store.put(id, 1, "b", "12345")).isInstanceOf(StateLimitException.class)
                    .hasMessageContaining("11 characters");
            assertThat(store.get(id, "b")).contains("12");
            store.put(id, 1, "a", "1");                       // replacing frees what the old value held: 5
            store.put(id, 1, "b", "1234");                    // 7
            assertThat(store.delete(id, 1, "a")).isTrue();    // 5
            store.put(id, 1, "c", "123");                     // 9, a key free again
            assertThat(store.entries(id)).containsOnlyKeys("b", "c");
        }
    }

    @Test
    public void attachTakesOverAndStaleDetachIsIgnored() {
        try (var store = newStore(Duration.ofMinutes(1))) {
            var created = store.create("n/c1");
            AttachResult taken = store.attach(created.token(), "n/c2");
            assertThat(taken.status()).isEqualTo(Status.ATTACHED);
            assertThat(taken.previousOwner()).isEqualTo("n/c1");
            assertThat(taken.generation()).isGreaterThan(created.generation());
            assertThat(store.detach(created.sessionId(), created.generation())).as("old owner's detach").isFalse();
            assertThat(store.counts().attached()).isEqualTo(1);
            assertThat(store.detach(created.sessionId(), taken.generation())).isTrue();
            assertThat(store.counts().detached()).isEqualTo(1);
            AttachResult resumed = store.attach(created.token(), "n/c3");
            assertThat(resumed.previousOwner()).as("detached sessions have no owner").isNull();
        }
    }

    @Test
    public void detachedSessionsExpireFreeTheirStateAndLeaveATombstone() {
        List<String> expired = new CopyOnWriteArrayList<>();
        try (var store = newStore(Duration.ofMillis(100))) {
            store.onExpired(expired::add);
            var s = store.create("n/c1");
            store.put(s.sessionId(), s.generation(), "k", "v");
            store.detach(s.sessionId(), s.generation());
            await().atMost(Duration.ofSeconds(5)).until(() -> expired.contains(s.sessionId()));
            assertThat(store.attach(s.token(), "n/c2").status()).isEqualTo(Status.EXPIRED);
            assertThat(store.attach("never-issued", "n/c2").status()).isEqualTo(Status.UNKNOWN);
            assertThatThrownBy(() -> store.get(s.sessionId(), "k")).isInstanceOf(SessionGoneException.class);
        }
    }

    @Test
    public void attachedSessionsNeverExpire() {
        try (var store = newStore(Duration.ofMillis(50))) {
            var s = store.create("n/c1");
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> store.counts().attached() == 1);
            assertThat(store.attach(s.token(), "n/c2").status()).isEqualTo(Status.ATTACHED);
        }
    }

    @Test
    public void stateIsPerSession() {
        try (var store = newStore(Duration.ofMinutes(1))) {
            var a = store.create("n/c1");
            var b = store.create("n/c2");
            store.put(a.sessionId(), a.generation(), "x", "1");
            store.put(a.sessionId(), a.generation(), "a", "2");
            assertThat(store.get(b.sessionId(), "x")).isEmpty();
            assertThat(store.entries(a.sessionId())).containsExactly(
                    java.util.Map.entry("a", "2"), java.util.Map.entry("x", "1"));
            assertThat(store.delete(a.sessionId(), a.generation(), "x")).isTrue();
            assertThat(store.delete(a.sessionId(), a.generation(), "x")).isFalse();
        }
    }

    @Test
    public void countsFollowAttachAndDetach() {
        try (var store = newStore(Duration.ofMinutes(1))) {
            assertThat(store.counts()).isEqualTo(new SessionStore.SessionCounts(0, 0));
            var a = store.create("n/c1");
            var b = store.create("n/c2");
            assertThat(store.counts()).isEqualTo(new SessionStore.SessionCounts(2, 0));
            assertThat(store.detach(a.sessionId(), a.generation())).isTrue();
            assertThat(store.detach(a.sessionId(), a.generation())).as("already detached").isFalse();
            assertThat(store.counts()).isEqualTo(new SessionStore.SessionCounts(1, 1));
            assertThat(store.sessionCount()).isEqualTo(2);
            assertThat(store.detach("no-such-session", 1)).isFalse();
            assertThat(b.sessionId()).isNotEqualTo(a.sessionId());
        }
    }

    @Test
    public void stateOfAnUnknownSessionIsGone() {
        try (var store = newStore(Duration.ofMinutes(1))) {
            assertThatThrownBy(() -> store.get("no-such-session", "k")).isInstanceOf(SessionGoneException.class);
            assertThatThrownBy(() -> store.put("no-such-session", 1, "k", "v")).isInstanceOf(SessionGoneException.class);
            assertThatThrownBy(() -> store.delete("no-such-session", 1, "k")).isInstanceOf(SessionGoneException.class);
            assertThatThrownBy(() -> store.entries("no-such-session")).isInstanceOf(SessionGoneException.class);
        }
    }

    @Test
    public void concurrentAttachesEachGetTheirOwnGenerationAndOnlyTheLastOwnerCanDetach() throws Exception {
        try (var store = newStore(Duration.ofMinutes(1))) {
            var created = store.create("n/c0");
            int racers = 16;
            List<AttachResult> results = new CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 1; i <= racers; i++) {
                    String owner = "n/c" + i;
                    pool.submit(() -> {
                        go.await();
                        results.add(store.attach(created.token(), owner));
                        return null;
                    });
                }
                go.countDown();
            }
            assertThat(results).hasSize(racers).allMatch(r -> r.status() == Status.ATTACHED);
            assertThat(results.stream().map(AttachResult::generation).distinct()).hasSize(racers);
            long last = results.stream().mapToLong(AttachResult::generation).max().orElseThrow();
            for (AttachResult r : results) {
                if (r.generation() != last) {
                    assertThat(store.detach(created.sessionId(), r.generation())).as("stale generation").isFalse();
                }
            }
            assertThat(store.counts().attached()).isEqualTo(1);
            assertThat(store.detach(created.sessionId(), last)).isTrue();
        }
    }

    @Test
    public void closingTwiceIsHarmless() {
        var store = newStore(Duration.ofMinutes(1));
        store.create("n/c1");
        store.close();
        store.close();
    }

    @Test
    public void aWriteWithAStaleGenerationIsFencedOffAndChangesNothing() {
        try (var store = newStore(Duration.ofMinutes(1))) {
            var created = store.create("node-a/c1");
            store.put(created.sessionId(), created.generation(), "k", "old owner's");
            var taken = store.attach(created.token(), "node-b/c2");
            // The old owner, paused or cut off, writes after the takeover: refused, nothing changes.
            assertThatThrownBy(() -> store.put(created.sessionId(), created.generation(), "k", "late"))
                    .isInstanceOf(SessionFencedException.class);
            assertThatThrownBy(() -> store.delete(created.sessionId(), created.generation(), "k"))
                    .isInstanceOf(SessionFencedException.class);
            assertThat(store.get(created.sessionId(), "k")).contains("old owner's");
            store.put(created.sessionId(), taken.generation(), "k", "new owner's");
            assertThat(store.get(created.sessionId(), "k")).contains("new owner's");
            // The current owner may still write once its connection is gone (detached).
            assertThat(store.detach(created.sessionId(), taken.generation())).isTrue();
            assertThat(store.delete(created.sessionId(), taken.generation(), "k")).isTrue();
        }
    }
}

package dev.superquic.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.server.session.SessionStore.AttachResult;
import dev.superquic.server.session.SessionStore.AttachResult.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class InMemorySessionStoreTest {
    @Test
    void tokensAreLongRandomAndNotTheSessionId() {
        try (var store = new InMemorySessionStore(Duration.ofMinutes(1))) {
            var a = store.create("n/c1");
            var b = store.create("n/c2");
            assertThat(a.token()).isNotEqualTo(b.token()).doesNotContain(a.sessionId());
            assertThat(java.util.Base64.getUrlDecoder().decode(a.token())).hasSizeGreaterThanOrEqualTo(16);
            assertThat(a.toString()).doesNotContain(a.token());
        }
    }

    @Test
    void stateIsBoundedInKeysAndCharactersAndARefusedPutChangesNothing() {
        try (var store = new InMemorySessionStore(Duration.ofMinutes(1), 2, 10)) {
            String id = store.create("n/c1").sessionId();
            store.put(id, "a", "1234");                    // 5 characters
            store.put(id, "b", "12");                      // 8
            assertThatThrownBy(() -> store.put(id, "c", "")).isInstanceOf(StateLimitException.class)
                    .hasMessageContaining("2 keys");
            assertThatThrownBy(() -> store.put(id, "b", "12345")).isInstanceOf(StateLimitException.class)
                    .hasMessageContaining("11 characters");
            assertThat(store.get(id, "b")).contains("12");
            store.put(id, "a", "1");                       // replacing frees what the old value held: 5
            store.put(id, "b", "1234");                    // 7
            assertThat(store.delete(id, "a")).isTrue();    // 5
            store.put(id, "c", "123");                     // 9, a key free again
            assertThat(store.entries(id)).containsOnlyKeys("b", "c");
        }
    }

    @Test
    void attachTakesOverAndStaleDetachIsIgnored() {
        try (var store = new InMemorySessionStore(Duration.ofMinutes(1))) {
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
    void detachedSessionsExpireFreeTheirStateAndLeaveATombstone() {
        List<String> expired = new CopyOnWriteArrayList<>();
        try (var store = new InMemorySessionStore(Duration.ofMillis(100))) {
            store.onExpired(expired::add);
            var s = store.create("n/c1");
            store.put(s.sessionId(), "k", "v");
            store.detach(s.sessionId(), s.generation());
            await().atMost(Duration.ofSeconds(5)).until(() -> expired.contains(s.sessionId()));
            assertThat(store.attach(s.token(), "n/c2").status()).isEqualTo(Status.EXPIRED);
            assertThat(store.attach("never-issued", "n/c2").status()).isEqualTo(Status.UNKNOWN);
            assertThatThrownBy(() -> store.get(s.sessionId(), "k")).isInstanceOf(SessionGoneException.class);
        }
    }

    @Test
    void attachedSessionsNeverExpire() {
        try (var store = new InMemorySessionStore(Duration.ofMillis(50))) {
            var s = store.create("n/c1");
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> store.counts().attached() == 1);
            assertThat(store.attach(s.token(), "n/c2").status()).isEqualTo(Status.ATTACHED);
        }
    }

    @Test
    void stateIsPerSession() {
        try (var store = new InMemorySessionStore(Duration.ofMinutes(1))) {
            var a = store.create("n/c1");
            var b = store.create("n/c2");
            store.put(a.sessionId(), "x", "1");
            store.put(a.sessionId(), "a", "2");
            assertThat(store.get(b.sessionId(), "x")).isEmpty();
            assertThat(store.entries(a.sessionId())).containsExactly(
                    java.util.Map.entry("a", "2"), java.util.Map.entry("x", "1"));
            assertThat(store.delete(a.sessionId(), "x")).isTrue();
            assertThat(store.delete(a.sessionId(), "x")).isFalse();
        }
    }
}

package dev.superquic.testing.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStore.AttachResult.Status;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.server.session.SqliteSessionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSessionStoreTest extends SessionStoreContract {
    @TempDir
    Path dir;
    private final AtomicInteger stores = new AtomicInteger();

    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        return SqliteSessionStore.open(dir.resolve("store-" + stores.incrementAndGet()), ttl, maxKeys, maxChars,
                SqliteSessionStore.Sync.NORMAL);
    }

    private SqliteSessionStore open(Path data, Duration ttl) {
        return SqliteSessionStore.open(data, ttl, 100, 10_000, SqliteSessionStore.Sync.FULL);
    }

    @Test
    void sessionsAndStateSurviveAReopenAndWereAttachedOnesAreDetached() {
        Path data = dir.resolve("data");
        SessionStore.NewSession s;
        try (var store = open(data, Duration.ofMinutes(5))) {
            s = store.create("n/c1");
            store.put(s.sessionId(), s.generation(), "k", "v");
            store.put(s.sessionId(), s.generation(), "k2", "v2");
            assertThat(store.delete(s.sessionId(), s.generation(), "k2")).isTrue();
        }
        try (var store = open(data, Duration.ofMinutes(5))) {
            assertThat(store.counts()).as("the previous process's session waits for its resume")
                    .isEqualTo(new SessionStore.SessionCounts(0, 1));
            var resumed = store.attach(s.token(), "n/c2");
            assertThat(resumed.status()).isEqualTo(Status.ATTACHED);
            assertThat(resumed.sessionId()).isEqualTo(s.sessionId());
            assertThat(resumed.previousOwner()).isNull();
            assertThat(resumed.generation()).isGreaterThan(s.generation());
            assertThat(store.entries(s.sessionId())).containsExactly(java.util.Map.entry("k", "v"));
            // The state limits count what the reopened session holds.
            store.put(s.sessionId(), resumed.generation(), "k", "w");
            assertThat(store.get(s.sessionId(), "k")).contains("w");
        }
    }

    @Test
    void aSessionLeftAttachedExpiresOneTtlAfterTheReopenAndItsTombstoneSurvives() {
        Path data = dir.resolve("data");
        SessionStore.NewSession s;
        try (var store = open(data, Duration.ofMinutes(5))) {
            s = store.create("n/c1");
        }
        try (var store = open(data, Duration.ofMillis(200))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> store.sessionCount() == 0);
        }
        try (var store = open(data, Duration.ofMinutes(5))) {
            assertThat(store.attach(s.token(), "n/c2").status()).isEqualTo(Status.EXPIRED);
            assertThat(store.attach("never-issued", "n/c2").status()).isEqualTo(Status.UNKNOWN);
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() {
        Path data = dir.resolve("data");
        try (var first = open(data, Duration.ofMinutes(1))) {
            assertThatThrownBy(() -> open(data, Duration.ofMinutes(1))).isInstanceOf(SessionStoreException.class)
                    .hasMessageContaining(data.toString()).hasMessageContaining("in use by another server");
            first.create("n/c1");
        }
        try (var again = open(data, Duration.ofMinutes(1))) {
            assertThat(again.sessionCount()).as("free again once the first closed").isEqualTo(1);
        }
    }

    @Test
    void aCorruptDatabaseANewerSchemaAndAnUnusableDirectoryAreRefusedNamingTheDirectory() throws Exception {
        Path corrupt = dir.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.write(corrupt.resolve("sessions.db"), new byte[4096]);
        Files.writeString(corrupt.resolve("sessions.db"), "this is not a database, just text. ".repeat(200));
        assertThatThrownBy(() -> open(corrupt, Duration.ofMinutes(1))).isInstanceOf(SessionStoreException.class)
                .hasMessageContaining(corrupt.toString());

        Path newer = dir.resolve("newer");
        open(newer, Duration.ofMinutes(1)).close();
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + newer.resolve("sessions.db"));
             var s = db.createStatement()) {
            s.execute("PRAGMA user_version = " + (SqliteSessionStore.SCHEMA_VERSION + 1));
        }
        assertThatThrownBy(() -> open(newer, Duration.ofMinutes(1))).isInstanceOf(SessionStoreException.class)
                .hasMessageContaining(newer.toString()).hasMessageContaining("newer superquic");

        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a directory");
        assertThatThrownBy(() -> open(file, Duration.ofMinutes(1))).isInstanceOf(SessionStoreException.class)
                .hasMessageContaining(file.toString());
    }

    /** The channel contract, against stores made as above. */
    @org.junit.jupiter.api.Nested
    class Channels extends ChannelLogContract {
        @Override
        protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
            return SqliteSessionStoreTest.this.newStore(ttl, maxKeys, maxChars);
        }
    }
}

package dev.superquic.testing.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.server.session.ChannelLog.ChannelLimits;
import dev.superquic.server.session.ChannelLog.ChannelPosition;
import dev.superquic.server.session.ChannelLog;
import dev.superquic.server.session.SessionFencedException;
import dev.superquic.server.session.SessionGoneException;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.StateLimitException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionStore} that keeps channels must do ({@link SessionStore#channelLog()}):
 * each such store's test has a subclass that says how to make one.
 */
public abstract class ChannelLogContract {
    private static final ChannelLimits LIMITS = new ChannelLimits(3, 100);

    /** For subclasses, which say how to make the store under test. */
    protected ChannelLogContract() {
    }

    /** A new, empty store with these settings. */
    protected abstract SessionStore newStore(Duration ttl, int maxKeys, long maxChars);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ChannelLog.Commit commit(long sequence, Map<String, String> changes, String... replies) {
        return new ChannelLog.Commit(sequence, changes,
                java.util.Arrays.stream(replies).map(ChannelLogContract::bytes).toList());
    }

    private static List<String> texts(List<ChannelMessage> messages) {
        return messages.stream().map(m -> m.sequence() + ":" + new String(m.payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    public void appendsAreNumberedKeptUntilAcknowledgedAndBounded() throws Exception {
        try (var store = newStore(Duration.ofMinutes(1), 100, 10_000)) {
            ChannelLog log = store.channelLog().orElseThrow();
            String id = store.create("n/c1").sessionId();
            assertThat(log.position(id, "a")).isEqualTo(ChannelPosition.NONE);
            assertThat(log.append(id, "a", bytes("one"), LIMITS)).isEqualTo(1);
            assertThat(log.append(id, "a", bytes("two"), LIMITS)).isEqualTo(2);
            assertThat(log.append(id, "b", bytes("other"), LIMITS)).as("channels number apart").isEqualTo(1);
            assertThat(log.append(id, "a", bytes("three"), LIMITS)).isEqualTo(3);
            assertThatThrownBy(() -> log.append(id, "a", bytes("four"), LIMITS)).isInstanceOf(ChannelFullException.class);
            assertThat(texts(log.after(id, "a", 0, 10))).containsExactly("1:one", "2:two", "3:three");
            assertThat(texts(log.after(id, "a", 1, 1))).containsExactly("2:two");
            log.acknowledge(id, "a", 2);
            log.acknowledge(id, "a", 1); // an older acknowledgement changes nothing
            assertThat(texts(log.after(id, "a", 0, 10))).containsExactly("3:three");
            assertThat(log.position(id, "a")).isEqualTo(new ChannelPosition(0, 2, 3));
            assertThat(log.append(id, "a", bytes("four"), LIMITS)).isEqualTo(4);
            // Bytes bound: 100 bytes at most unacknowledged.
            log.acknowledge(id, "a", 4);
            assertThatThrownBy(() -> log.append(id, "a", new byte[101], LIMITS)).isInstanceOf(ChannelFullException.class);
            assertThat(log.append(id, "a", new byte[100], LIMITS)).isEqualTo(5);
            assertThatThrownBy(() -> log.append(id, "a", new byte[1], LIMITS)).isInstanceOf(ChannelFullException.class);
        }
    }

    @Test
    public void deliveriesCommitTheirStateChangesAndRepliesAllOrNothingAndAreFenced() throws Exception {
        try (var store = newStore(Duration.ofMinutes(1), 2, 10_000)) {
            ChannelLog log = store.channelLog().orElseThrow();
            var s = store.create("n/c1");
            log.delivered(s.sessionId(), s.generation(), "a", commit(1, Map.of("k", "v"), "r1"), LIMITS);
            assertThat(log.position(s.sessionId(), "a").delivered()).isEqualTo(1);
            assertThat(store.get(s.sessionId(), "k")).contains("v");
            // Over the state's limit: nothing changes, neither state nor position.
            assertThatThrownBy(() -> log.delivered(s.sessionId(), s.generation(), "a", commit(2, Map.of("x", "1", "y", "2"), "r2"), LIMITS))
                    .isInstanceOf(StateLimitException.class);
            assertThat(log.position(s.sessionId(), "a")).isEqualTo(new ChannelPosition(1, 0, 1));
            assertThat(store.get(s.sessionId(), "x")).isEmpty();
            // No room for the replies: nothing changes either.
            assertThatThrownBy(() -> log.delivered(s.sessionId(), s.generation(), "a",
                    commit(2, Map.of("k", "w"), "r2", "r3", "r4"), LIMITS)).isInstanceOf(ChannelFullException.class);
            assertThat(store.get(s.sessionId(), "k")).contains("v");
            assertThat(texts(log.after(s.sessionId(), "a", 0, 10))).containsExactly("1:r1");
            Map<String, String> removeK = new HashMap<>();
            removeK.put("k", null);
            log.delivered(s.sessionId(), s.generation(), "a", commit(2, removeK, "r2", "r3"), LIMITS);
            assertThat(texts(log.after(s.sessionId(), "a", 0, 10))).containsExactly("1:r1", "2:r2", "3:r3");
            assertThat(store.get(s.sessionId(), "k")).isEmpty();
            // A taken-over owner's commit is refused and changes nothing...
            var taken = store.attach(s.token(), "n/c2");
            assertThatThrownBy(() -> log.delivered(s.sessionId(), s.generation(), "a", commit(3, Map.of("k", "late")), LIMITS))
                    .isInstanceOf(SessionFencedException.class);
            assertThat(log.position(s.sessionId(), "a").delivered()).isEqualTo(2);
            // ...but what it delivered still counts; positions only grow.
            log.advanceDelivered(s.sessionId(), "a", 3);
            log.advanceDelivered(s.sessionId(), "a", 1);
            assertThat(log.position(s.sessionId(), "a").delivered()).isEqualTo(3);
            log.delivered(s.sessionId(), taken.generation(), "a", commit(4, Map.of()), LIMITS);
            assertThat(log.position(s.sessionId(), "a").delivered()).isEqualTo(4);
        }
    }

    @Test
    public void channelsExpireWithTheirSessionAndTheDroppedMessagesAreCounted() throws Exception {
        try (var store = newStore(Duration.ofMillis(200), 100, 10_000)) {
            ChannelLog log = store.channelLog().orElseThrow();
            AtomicLong dropped = new AtomicLong();
            log.onMessagesExpired(dropped::addAndGet);
            var s = store.create("n/c1");
            log.append(s.sessionId(), "a", bytes("1"), LIMITS);
            log.append(s.sessionId(), "a", bytes("2"), LIMITS);
            log.append(s.sessionId(), "b", bytes("3"), LIMITS);
            log.acknowledge(s.sessionId(), "a", 1);
            store.detach(s.sessionId(), s.generation());
            await().atMost(Duration.ofSeconds(10)).until(() -> dropped.get() == 2);
            assertThatThrownBy(() -> log.append(s.sessionId(), "a", bytes("late"), LIMITS))
                    .isInstanceOf(SessionGoneException.class);
            assertThatThrownBy(() -> log.position(s.sessionId(), "a")).isInstanceOf(SessionGoneException.class);
        }
    }
}

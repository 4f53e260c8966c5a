package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.client.ClientChannel;
import dev.superquic.client.ClientSession;
import dev.superquic.client.MemoryTokenStore;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.ChannelService;
import dev.superquic.server.ServerChannel;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.session.SqliteSessionStore;
import dev.superquic.testing.Loopback;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Channels: ordered messages both ways that survive disconnects, restarts and detached pushes. */
class ChannelsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * Checks what the server receives: every session's messages must number 1, 2, 3... with no
     * gap or repeat, and each carries its own number.
     */
    static final class Checker implements ChannelService {
        final Map<String, AtomicLong> last = new ConcurrentHashMap<>();
        final AtomicReference<String> problem = new AtomicReference<>();
        final boolean echo;

        Checker(boolean echo) {
            this.echo = echo;
        }

        @Override
        public void onMessage(ServerChannel channel, ChannelMessage message) throws Exception {
            AtomicLong l = last.computeIfAbsent(channel.sessionId(), k -> new AtomicLong());
            long n = ByteBuffer.wrap(message.payload()).getLong();
            if (message.sequence() != l.get() + 1 || n != message.sequence()) {
                problem.compareAndSet(null, "after " + l.get() + " came sequence " + message.sequence() + " carrying " + n);
            }
            l.set(message.sequence());
            if (echo) {
                channel.send(message.payload());
            }
        }

        long lastOf(String sessionId) {
            AtomicLong l = last.get(sessionId);
            return l == null ? 0 : l.get();
        }
    }

    private static byte[] number(long n) {
        return ByteBuffer.allocate(Long.BYTES + 16).putLong(n).array();
    }

    /** Receives {@code count} messages and checks they carry 1..count in order. */
    private static void receiveInOrder(ClientChannel channel, long from, long count) throws Exception {
        for (long i = from; i < from + count; i++) {
            Optional<ChannelMessage> m = channel.receive(WAIT);
            assertThat(m).as("message %d of channel %s", i, channel).isPresent();
            assertThat(m.get().sequence()).as("sequence, %s", channel).isEqualTo(i);
            assertThat(ByteBuffer.wrap(m.get().payload()).getLong()).isEqualTo(i);
        }
    }

    @Test
    void messagesGoBothWaysInOrder() throws Exception {
        Checker checker = new Checker(true);
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().build(), b -> b.channel("check", checker));
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            ClientChannel channel = session.channel("check");
            assertThat(session.channel("check")).isSameAs(channel);
            try (var sender = dev.superquic.testing.TestThreads.virtual()) {
                var sent = sender.submit(() -> {
                    for (long i = 1; i <= 3000; i++) {
                        channel.send(number(i));
                    }
                    return null;
                });
                receiveInOrder(channel, 1, 3000);
                sent.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            }
            assertThat(checker.problem.get()).isNull();
            assertThat(checker.lastOf(session.id())).isEqualTo(3000);
            await().atMost(WAIT).until(() -> channel.unacknowledged() == 0);
        }
    }

    @Test
    void nothingIsLostOrRepeatedAcrossForcedDisconnects() throws Exception {
        Checker checker = new Checker(true);
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().build(), b -> b.channel("check", checker));
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            var config = Loopback.clientConfig(relay.address(), server.certificateFingerprint())
                    .idleTimeout(Duration.ofSeconds(1)).build();
            try (SuperQuicClient client = new SuperQuicClient(config);
                 ClientSession session = client.connect();
                 var sender = dev.superquic.testing.TestThreads.virtual()) {
                ClientChannel channel = session.channel("check");
                relay.mode(UdpRelay.Mode.LOSSY);
                relay.dropRate(0.02);
                long count = 8000;
                var sent = sender.submit(() -> {
                    for (long i = 1; i <= count; i++) {
                        channel.send(number(i));
                    }
                    return null;
                });
                receiveInOrder(channel, 1, 2000);
                // The path dies for longer than the idle timeout, twice: each costs a reconnect
                // with messages in flight both ways.
                for (int cut = 0; cut < 2; cut++) {
                    relay.mode(UdpRelay.Mode.BLACKHOLE);
                    await().atMost(WAIT).until(() -> !session.isConnected());
                    relay.mode(UdpRelay.Mode.LOSSY);
                    await().atMost(WAIT).until(session::isConnected);
                }
                receiveInOrder(channel, 2001, count - 2000);
                sent.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                assertThat(checker.problem.get()).isNull();
                assertThat(checker.lastOf(session.id())).isEqualTo(count);
                assertThat(channel.receive(Duration.ofMillis(200))).as("nothing after the last").isEmpty();
                assertThat(server.meterRegistry().get("superquic.sessions.events").tag("event", "resumed").counter()
                        .count()).as("the relay forced reconnects").isGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    void pushesToADetachedSessionWaitForItsResume() throws Exception {
        Checker checker = new Checker(false);
        MemoryTokenStore tokens = new MemoryTokenStore();
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().build(), b -> b.channel("test-feed", checker));
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).tokenStore(tokens).build())) {
            String id;
            try (ClientSession session = client.connect()) {
                id = session.id();
                ClientChannel channel = session.channel("test-feed");
                channel.send(number(1));
                await().atMost(WAIT).until(() -> checker.lastOf(id) == 1);
            }
            await().atMost(WAIT).until(() -> server.activeConnections() == 0);
            var publisher = server.channel(id, "test-feed");
            for (long i = 1; i <= 500; i++) {
                assertThat(publisher.send(number(i))).isEqualTo(i);
            }
            try (ClientSession session = client.connect()) {
                assertThat(session.id()).isEqualTo(id);
                receiveInOrder(session.channel("test-feed"), 1, 500);
            }
            assertThatThrownBy(() -> server.channel(id, "nope")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aFullReplayBufferBlocksThenFailsClearlyAndDropsNothing() throws Exception {
        var settings = new dev.superquic.channel.ChannelSettings(10, 1 << 20, Duration.ofMillis(300));
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().channels(settings).build(),
                b -> b.channel("test-feed", (c, m) -> { }));
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).channels(settings).build());
             ClientSession session = client.connect()) {
            ClientChannel channel = session.channel("test-feed");
            channel.send(number(1));
            var publisher = server.channel(session.id(), "test-feed");
            // The client acknowledges what its application took: an application that takes
            // nothing holds the server's buffer full, and the server's sends wait, then fail.
            for (long i = 1; i <= 10; i++) {
                publisher.send(number(i));
            }
            assertThatThrownBy(() -> publisher.send(number(11))).isInstanceOf(dev.superquic.channel.ChannelFullException.class)
                    .hasMessageContaining("10 unacknowledged messages");
            assertThat(server.meterRegistry().get("superquic.channel.sends.full").counter().count()).isEqualTo(1);
            receiveInOrder(channel, 1, 10);
            assertThat(publisher.send(number(11), WAIT)).isEqualTo(11);
            receiveInOrder(channel, 11, 1);
            // The client's side is bounded the same way while the server is away.
            server.shutdownNow();
            for (long i = 2; i <= 11; i++) {
                channel.send(number(i));
            }
            assertThatThrownBy(() -> channel.send(number(12))).isInstanceOf(dev.superquic.channel.ChannelFullException.class)
                    .hasMessageContaining("the bound is 10 messages");
            assertThat(channel.unacknowledged()).isEqualTo(10);
        }
    }

    @Test
    void aSessionThatWasNotResumedFailsItsChannelsWithChannelLost() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().sessionTtl(Duration.ofMillis(300)).build(),
                b -> b.channel("check", new Checker(true)));
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            var config = Loopback.clientConfig(relay.address(), server.certificateFingerprint())
                    .idleTimeout(Duration.ofSeconds(1)).build();
            try (SuperQuicClient client = new SuperQuicClient(config);
                 ClientSession session = client.connect()) {
                ClientChannel channel = session.channel("check");
                channel.send(number(1));
                receiveInOrder(channel, 1, 1);
                relay.mode(UdpRelay.Mode.BLACKHOLE);
                await().atMost(WAIT).until(() -> !session.isConnected());
                await().pollDelay(Duration.ofMillis(700)).atMost(WAIT).until(() -> true); // past the TTL
                relay.mode(UdpRelay.Mode.PASS);
                await().atMost(WAIT).until(() -> channel.failure().isPresent());
                assertThatThrownBy(() -> channel.send(number(2))).isInstanceOf(ProtocolException.class)
                        .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.CHANNEL_LOST));
            }
        }
    }

    /**
     * A handler that commits its effect with the delivery: across an abrupt stop of the server and
     * a restart on the same SQLite data, every message is applied exactly once.
     */
    @Test
    void committedEffectsAreAppliedExactlyOnceAcrossARestart(@TempDir Path dir) throws Exception {
        Loopback.PemCertificate cert = Loopback.writeCertificate(dir);
        Path data = dir.resolve("data");
        ChannelService counter = (channel, message) -> {
            long n = ByteBuffer.wrap(message.payload()).getLong();
            long count = Long.parseLong(channel.session().get("count").orElse("0"));
            long sum = Long.parseLong(channel.session().get("sum").orElse("0"));
            channel.commit(Map.of("count", Long.toString(count + 1), "sum", Long.toString(sum + n)));
        };
        var store1 = SqliteSessionStore.open(data, Duration.ofMinutes(5), 1000, 1 << 20, SqliteSessionStore.Sync.NORMAL);
        SuperQuicServer first = Fixtures.server(Loopback.serverConfig().certificate(cert.source()).build(),
                b -> b.sessionStore(store1).channel("count", counter));
        int port = first.localAddress().getPort();
        long total = 3000;
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(first)
                .reconnect(new dev.superquic.client.ReconnectPolicy(true, Duration.ofMillis(50), Duration.ofMillis(300), 2,
                        0.2, 0)).build());
             ClientSession session = client.connect();
             var sender = dev.superquic.testing.TestThreads.virtual()) {
            ClientChannel channel = session.channel("count");
            var sent = sender.submit(() -> {
                for (long i = 1; i <= total; i++) {
                    channel.send(number(i));
                }
                return null;
            });
            await().atMost(WAIT).until(() -> Long.parseLong(store1.get(session.id(), "count").orElse("0")) > 500);
            first.shutdownNow();
            store1.close();
            var store2 = SqliteSessionStore.open(data, Duration.ofMinutes(5), 1000, 1 << 20, SqliteSessionStore.Sync.NORMAL);
            try (SuperQuicServer second = Fixtures.server(Loopback.serverConfig().certificate(cert.source()).port(port).build(),
                    b -> b.sessionStore(store2).channel("count", counter))) {
                sent.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                await().atMost(WAIT).until(() -> channel.unacknowledged() == 0);
                assertThat(store2.get(session.id(), "count")).contains(Long.toString(total));
                assertThat(store2.get(session.id(), "sum")).contains(Long.toString(total * (total + 1) / 2));
            } finally {
                store2.close();
            }
        }
    }
}

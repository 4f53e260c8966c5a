package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.FileTokenStore;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.SessionListener;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.store.redis.RedisServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged server processes sharing one real Redis act as one service: a session created on
 * one node resumes on the others with its state, a resume on another node takes the session over
 * (the old connection ends with SESSION_TAKEN_OVER), and when the node holding a client is killed
 * the client moves to the next one and resumes there, losing nothing it was told was stored.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MultiNodeTest {
    @Test
    void nodesSharingRedisActAsOneService(@TempDir Path dir) throws Exception {
        List<ServerProcess> nodes = new ArrayList<>();
        try (RedisServer redis = RedisServer.start()) {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ServerProcess node = ServerProcess.start(List.of("-Xmx256m"), "--port", "0", "--log-format", "json",
                        "--reset-secret", dir.resolve("reset-secret").toString(), "--session-store", redis.uri());
                nodes.add(node);
                addresses.add(new InetSocketAddress("127.0.0.1", node.awaitPort()));
            }
            Path tokenFile = dir.resolve("token");

            // Created on node 1, with state.
            List<Throwable> firstLost = new CopyOnWriteArrayList<>();
            try (SuperQuicClient first = new SuperQuicClient(config(List.of(addresses.get(0)), tokenFile).build());
                 ClientSession onNode1 = first.connect(new SessionListener() {
                     @Override
                     public void onDisconnected(Throwable cause) {
                         firstLost.add(cause);
                     }
                 })) {
                String id = onNode1.id();
                Kv.put(onNode1, "k", "v1");

                // Resumed on node 2 with that state: node 1's connection is taken over at once.
                try (SuperQuicClient second = new SuperQuicClient(config(List.of(addresses.get(1)), tokenFile).build());
                     ClientSession onNode2 = second.connect()) {
                    assertThat(onNode2.lastEvent().resumed()).as("%s", onNode2.lastEvent()).isTrue();
                    assertThat(onNode2.id()).isEqualTo(id);
                    assertThat(Kv.get(onNode2, "k")).contains("v1");
                    await().atMost(Duration.ofSeconds(10)).until(() -> !firstLost.isEmpty());
                    assertThat(firstLost.getFirst()).isInstanceOf(ProtocolException.class)
                            .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.SESSION_TAKEN_OVER);
                    Kv.put(onNode2, "k", "v2");
                }
            }

            // Resumed on node 3; then a client that knows all three nodes starts on node 1.
            try (SuperQuicClient third = new SuperQuicClient(config(List.of(addresses.get(2)), tokenFile).build());
                 ClientSession onNode3 = third.connect()) {
                assertThat(onNode3.lastEvent().resumed()).isTrue();
                assertThat(Kv.get(onNode3, "k")).contains("v2");
            }
            List<Long> connectedAt = new CopyOnWriteArrayList<>();
            try (SuperQuicClient roaming = new SuperQuicClient(config(addresses, tokenFile)
                         .idleTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(1)).build());
                 ClientSession session = roaming.connect(new SessionListener() {
                     @Override
                     public void onConnected(dev.superquic.client.SessionEvent event) {
                         connectedAt.add(System.nanoTime());
                     }
                 })) {
                String id = session.id();
                Kv.put(session, "k", "v3");
                nodes.get(0).process.destroyForcibly(); // kill -9 of the node that holds the client
                long killedAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(30)).until(() -> connectedAt.size() == 2);
                long movedMillis = TimeUnit.NANOSECONDS.toMillis(connectedAt.get(1) - killedAt);
                System.out.println("client moved to another node " + movedMillis + " ms after the kill");
                assertThat(session.lastEvent().resumed()).as("%s", session.lastEvent()).isTrue();
                assertThat(session.id()).isEqualTo(id);
                assertThat(Kv.get(session, "k")).as("acknowledged before the kill").contains("v3");
            }
        } finally {
            for (ServerProcess node : nodes) {
                node.process.destroyForcibly();
                node.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static ClientConfig.Builder config(List<InetSocketAddress> servers, Path tokenFile) {
        return ClientConfig.builder().servers(servers).trust(TrustConfig.insecure())
                .tokenStore(new FileTokenStore(tokenFile))
                .reconnect(new ReconnectPolicy(true, Duration.ofMillis(50), Duration.ofMillis(200), 2, 0.2, 0));
    }
}

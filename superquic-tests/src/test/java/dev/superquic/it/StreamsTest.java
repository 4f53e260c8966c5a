package dev.superquic.it;

import dev.superquic.testing.Loopback;
import dev.superquic.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Many streams at once, the stream limit, backpressure, independence of streams, and how they end. */
class StreamsTest {
    private static final int MIB = 1024 * 1024;

    /** Writes {@code payload} from a second virtual thread while this one reads the echo. */
    private static byte[] echo(ClientSession session, byte[] payload) throws Exception {
        try (DuplexStream stream = session.openStream("echo");
             TestThreads writer = TestThreads.virtual()) {
            var sent = writer.submit(() -> {
                stream.output().write(payload);
                stream.finishOutput();
                return null;
            });
            byte[] back = Fixtures.readAll(stream);
            sent.get(60, TimeUnit.SECONDS);
            return back;
        }
    }

    @Test
    void hundredConcurrentStreamsEachEchoADistinctMebibyte() throws Exception {
        // 100 service streams plus the control stream.
        var config = Loopback.serverConfig().maxBidiStreams(101).maxData(256L * MIB).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             TestThreads pool = TestThreads.virtual()) {
            CountDownLatch allOpen = new CountDownLatch(100);
            List<CompletableFuture<String>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                byte[] payload = new byte[MIB];
                new Random(i).nextBytes(payload);
                CompletableFuture<String> result = new CompletableFuture<>();
                results.add(result);
                pool.submit(() -> {
                    try (DuplexStream stream = session.openStream("echo")) {
                        allOpen.countDown();
                        // Every stream is open before any sends: they really run concurrently.
                        allOpen.await(30, TimeUnit.SECONDS);
                        Thread.startVirtualThread(() -> {
                            try {
                                stream.output().write(payload);
                                stream.finishOutput();
                            } catch (IOException e) {
                                result.completeExceptionally(e);
                            }
                        });
                        byte[] back = Fixtures.readAll(stream);
                        result.complete(java.util.Arrays.equals(back, payload) ? "ok"
                                : "stream " + stream.id() + ": got " + back.length + " bytes, first difference at "
                                + java.util.Arrays.mismatch(back, payload));
                    } catch (Exception e) {
                        result.completeExceptionally(e);
                    }
                    return null;
                });
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            assertThat(results.stream().map(CompletableFuture::join).filter(r -> !r.equals("ok")).toList())
                    .as("streams whose echo was not byte-exact").isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeStreams() == 1);
        }
    }

    @Test
    void openingPastTheStreamLimitWaitsForCredit() throws Exception {
        // Control stream + 2 service streams.
        var config = Loopback.serverConfig().maxBidiStreams(3).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             TestThreads pool = TestThreads.virtual()) {
            DuplexStream first = session.openStream("echo");
            DuplexStream second = session.openStream("echo");
            var third = pool.submit(() -> session.openStream("echo"));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !third.isDone());
            assertThat(server.activeStreams()).as("server never sees more than its limit").isEqualTo(3);

            first.finishOutput();
            assertThat(Fixtures.readAll(first)).isEmpty();
            first.close();
            try (DuplexStream opened = third.get(10, TimeUnit.SECONDS)) {
                opened.output().write(42);
                opened.finishOutput();
                assertThat(Fixtures.readAll(opened)).containsExactly(42);
            }
            second.close();
        }
    }

    @Test
    void aSlowServiceSlowsTheSenderThroughFlowControl() throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        int streamBuffer = 64 * 1024;
        var config = Loopback.serverConfig().streamBufferBytes(streamBuffer).maxStreamData(256 * 1024).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b.service("slow", stream -> {
                startReading.await(60, TimeUnit.SECONDS);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[8192];
                for (int n; (n = stream.input().read(buf)) >= 0;) {
                    sha.update(buf, 0, n);
                }
                stream.writeFrame(sha.digest());
            }));
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             DuplexStream slow = session.openStream("slow");
             TestThreads pool = TestThreads.virtual()) {
            byte[] payload = new byte[16 * MIB];
            new Random(7).nextBytes(payload);
            AtomicLong written = new AtomicLong();
            var writer = pool.submit(() -> {
                for (int off = 0; off < payload.length; off += 16 * 1024) {
                    slow.output().write(payload, off, 16 * 1024);
                    written.addAndGet(16 * 1024);
                }
                slow.finishOutput();
                return null;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> server.backpressureEvents() >= 1);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !writer.isDone());
            // The sender is held to: stream window + server buffer + client in-flight bound.
            assertThat(written.get()).isLessThan(2L * MIB);
            // At most the buffer bound plus the one receive buffer that crossed it.
            assertThat(server.bufferedInboundBytes()).isGreaterThan(0).isLessThanOrEqualTo(streamBuffer + 64 * 1024);
            assertThat(server.activeStreams()).isEqualTo(2);

            startReading.countDown();
            writer.get(60, TimeUnit.SECONDS);
            byte[] digest = Fixtures.readFrame(slow);
            assertThat(digest).isEqualTo(MessageDigest.getInstance("SHA-256").digest(payload));
        }
    }

    @Test
    void streamsClosedBeforeReadingToTheEndAreReleasedOnBothSides() throws Exception {
        // A short write timeout: a peer that abandons a download must not hold the writer for long.
        var config = Loopback.serverConfig().streamWriteTimeout(Duration.ofSeconds(1)).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            for (int i = 0; i < 50; i++) {
                Kv.put(session, "k" + i, "v"); // closes after the reply, usually before the server's FIN
            }
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame("{\"bytes\":100000000}".getBytes());
                assertThat(generate.input().read()).isZero(); // then walk away from 100 MB
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeStreams() == 1);
        }
    }

    @Test
    void aStalledStreamDoesNotDelayAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var config = Loopback.serverConfig().streamBufferBytes(16 * 1024).maxStreamData(64 * 1024).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b.service("stuck", stream -> {
                release.await(60, TimeUnit.SECONDS);
                stream.input().transferTo(java.io.OutputStream.nullOutputStream());
            }));
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             DuplexStream stuck = session.openStream("stuck");
             TestThreads pool = TestThreads.virtual()) {
            var filler = pool.submit(() -> {
                byte[] chunk = new byte[16 * 1024];
                while (true) {
                    stuck.output().write(chunk);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> server.backpressureEvents() >= 1);
            for (int i = 0; i < 50; i++) {
                byte[] payload = ("ping " + i).getBytes();
                assertThat(echo(session, payload)).isEqualTo(payload);
            }
            assertThat(filler.isDone()).as("the stalled stream is still stalled").isFalse();
            release.countDown();
            stuck.reset(dev.superquic.protocol.ErrorCode.NO_ERROR);
            filler.cancel(true);
        }
    }

    @Test
    void aReadCutOffByTheConnectionsCloseSaysSo() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             TestThreads pool = TestThreads.virtual()) {
            ClientSession session = client.connect();
            DuplexStream stream = session.openStream("echo");
            stream.output().write(new byte[] {1, 2, 3});
            assertThat(stream.input().readNBytes(3)).containsExactly(1, 2, 3);
            // The echo never finishes: our side stays open, so the reader waits for more.
            var reader = pool.submit(() -> stream.input().read());
            session.close();
            assertThatThrownBy(() -> reader.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IOException.class)
                    .hasMessageContaining("its connection was closed by the server (NO_ERROR: control stream finished)");
            stream.close();
        }
    }
}

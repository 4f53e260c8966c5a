package dev.superquic.it;

import dev.superquic.testing.Loopback;
import dev.superquic.testing.TestThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.StreamHeader;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.stream.internal.ChannelStream;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cycles thousands of streams and hundreds of connections and sessions, some dropped abruptly,
 * then checks that nothing accumulates: gauges back to zero, no leak reports (the leak check
 * extension runs after this test), pooled direct memory near its baseline, no stray threads.
 */
class ChurnTest {
    private static final int CONNECTIONS = 200;
    private static final int STREAMS_PER_CONNECTION = 10;
    private static final int PARALLEL = 8;

    @Test
    void nothingAccumulatesUnderChurn() throws Exception {
        var config = Loopback.serverConfig().sessionTtl(Duration.ofMillis(500)).idleTimeout(Duration.ofSeconds(1)).build();
        long baselineDirect;
        try (SuperQuicServer server = Fixtures.server(config, b -> b)) {
            warmUp(server);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeConnections() == 0);
            baselineDirect = directMemory();
            long baselineThreads = superquicThreads();

            try (TestThreads pool = TestThreads.fixed(PARALLEL)) {
                List<Future<?>> runs = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    boolean abrupt = i % 10 == 9;
                    runs.add(pool.submit(() -> {
                        if (abrupt) {
                            dropAbruptly(server);
                        } else {
                            useAndClose(server);
                        }
                        return null;
                    }));
                }
                for (Future<?> run : runs) {
                    run.get(120, TimeUnit.SECONDS);
                }
            }

            // Abruptly dropped connections go at the server's idle timeout, sessions at their TTL.
            await().atMost(Duration.ofSeconds(20)).until(() -> server.activeConnections() == 0
                    && server.activeStreams() == 0
                    && server.sessionStore().counts().attached() == 0
                    && server.sessionStore().counts().detached() == 0);
            assertThat(server.bufferedInboundBytes()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> superquicThreads() <= baselineThreads);
            await().atMost(Duration.ofSeconds(10)).until(() -> directMemory() <= baselineDirect + 16L * 1024 * 1024);
        }
    }

    private static void warmUp(SuperQuicServer server) throws Exception {
        useAndClose(server);
    }

    private static void useAndClose(SuperQuicServer server) throws Exception {
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            for (int s = 0; s < STREAMS_PER_CONNECTION; s++) {
                try (DuplexStream echo = session.openStream("echo")) {
                    byte[] payload = ("stream " + s + " of " + session.id()).getBytes();
                    echo.output().write(payload);
                    echo.finishOutput();
                    assertThat(Fixtures.readAll(echo, server)).isEqualTo(payload);
                }
            }
            Kv.put(session, "k", "v");
        }
    }

    /** A client that vanishes mid-stream: no FIN, no CONNECTION_CLOSE. */
    private static void dropAbruptly(SuperQuicServer server) throws Exception {
        RawConnection raw = new RawConnection(server.localAddress(), "super-quic");
        try {
            ChannelStream control = raw.openStream();
            control.writeFrame(Messages.encode(Hello.newSession()));
            Messages.decodeSessionGranted(Fixtures.readFrame(control));
            ChannelStream echo = raw.openStream();
            echo.writeFrame(Messages.encode(new StreamHeader("echo")));
            Messages.decodeStreamAccepted(Fixtures.readFrame(echo));
            echo.output().write(new byte[100_000]);
            raw.abort();
            echo.close();
            control.close();
        } finally {
            raw.close();
        }
    }

    private static long directMemory() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    private static long superquicThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("superquic-client") || t.getName().startsWith("raw-client"))
                .count();
    }
}

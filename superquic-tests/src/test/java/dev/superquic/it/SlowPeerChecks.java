package dev.superquic.it;

import dev.superquic.json.JsonFrames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.stream.StreamResetException;
import dev.superquic.testing.Loopback;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Peers that send too slowly cannot hold a stream, and what it buffered, for ever: a header or a
 * begun frame that does not arrive in time resets the stream with READ_TIMEOUT. A stream may idle
 * between frames as long as it likes.
 */
abstract class SlowPeerChecks {
    private static SuperQuicServer server;

    @BeforeAll
    static void start() throws Exception {
        server = Fixtures.server(Loopback.serverConfig().streamHeaderTimeout(Duration.ofMillis(500))
                .frameReadTimeout(Duration.ofMillis(500)).build(), b -> b);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static double readTimeouts() {
        return server.meterRegistry().get("superquic.stream.errors").tag("code", "READ_TIMEOUT").counter().count();
    }

    @Test
    void aHeaderThatNeverCompletesResetsTheStream() throws Exception {
        double before = readTimeouts();
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            var control = raw.openStream();
            control.writeFrame(Messages.encode(Messages.Hello.newSession()));
            Messages.decodeSessionGranted(Fixtures.readFrame(control));
            var slow = raw.openStream();
            slow.output().write(new byte[] {0, 0}); // half a length prefix, then nothing
            assertThatThrownBy(() -> Fixtures.readFrame(slow)).isInstanceOf(StreamResetException.class)
                    .extracting(e -> ((StreamResetException) e).errorCode().orElseThrow())
                    .isEqualTo(ErrorCode.READ_TIMEOUT);
            await().atMost(Duration.ofSeconds(10)).until(() -> readTimeouts() == before + 1);
            slow.close();
            control.close();
            // The connection and its session go on.
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write(3);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).containsExactly(3);
            }
        }
    }

    @Test
    void aFrameThatStopsHalfwayResetsTheStreamButIdlingBetweenFramesIsFine() throws Exception {
        double before = readTimeouts();
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             DuplexStream kv = session.openStream("kv")) {
            kv.writeFrame("{\"op\":\"put\",\"key\":\"a\",\"value\":\"1\"}".getBytes());
            assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("type").asText()).isEqualTo("ok");
            // Idle for twice the frame read timeout: nothing happens.
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> kv.input().available() == 0);
            kv.writeFrame("{\"op\":\"get\",\"key\":\"a\"}".getBytes());
            assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("value").asText()).isEqualTo("1");
            // Then a frame announced at 1000 bytes with only 10 of them sent.
            kv.output().write(new byte[] {0, 0, 0x03, (byte) 0xe8});
            kv.output().write(new byte[10]);
            assertThatThrownBy(() -> Fixtures.readFrame(kv)).isInstanceOf(StreamResetException.class)
                    .extracting(e -> ((StreamResetException) e).errorCode().orElseThrow())
                    .isEqualTo(ErrorCode.READ_TIMEOUT);
            await().atMost(Duration.ofSeconds(10)).until(() -> readTimeouts() == before + 1);
        }
    }
}

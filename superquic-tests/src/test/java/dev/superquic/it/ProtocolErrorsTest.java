package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.StreamHeader;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.testing.Loopback;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets its documented error, and the server keeps serving everyone else. */
class ProtocolErrorsTest {
    private static SuperQuicServer server;

    @BeforeAll
    static void start() throws Exception {
        server = Fixtures.server(Loopback.serverConfig().helloTimeout(Duration.ofMillis(700)).build(), b -> b);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A normal client still gets an echo: the server survived whatever the test did. */
    private static void assertServerStillServes() throws Exception {
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             DuplexStream echo = session.openStream("echo")) {
            echo.output().write(new byte[] {1, 2, 3});
            echo.finishOutput();
            assertThat(Fixtures.readAll(echo)).containsExactly(1, 2, 3);
        }
    }

    private static byte[] frame(String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    private static QuicConnectionCloseEvent awaitClose(RawConnection raw) throws Exception {
        QuicConnectionCloseEvent close = raw.peerClose().get(10, TimeUnit.SECONDS);
        assertThat(close).as("server sent CONNECTION_CLOSE").isNotNull();
        assertThat(close.isApplicationClose()).isTrue();
        return close;
    }

    @Test
    void malformedJsonOnTheControlStreamClosesWithProtocolViolation() throws Exception {
        try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            ChannelStream control = raw.openStream();
            control.output().write(frame("{\"type\": new"));
            byte[] reply = Fixtures.readFrame(control);
            assertThatThrownBy(() -> Messages.decodeSessionGranted(reply)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("malformed JSON")
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
            assertThat(awaitClose(raw).error()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION.quicCode());
            control.close();
        }
        assertServerStillServes();
    }

    @Test
    void aVersionOneClientIsServedInVersionOneAndGetsNoChannels() throws Exception {
        try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            ChannelStream control = raw.openStream();
            control.output().write(frame("{\"type\":\"new\",\"versions\":[1]}"));
            assertThat(Messages.decodeSessionGranted(Fixtures.readFrame(control)).version()).isEqualTo(1);
            ChannelStream echo = raw.openStream();
            echo.output().write(frame("{\"service\":\"echo\"}"));
            Messages.decodeStreamAccepted(Fixtures.readFrame(echo));
            echo.output().write("version one".getBytes(StandardCharsets.UTF_8));
            echo.finishOutput();
            assertThat(new String(Fixtures.readAll(echo), StandardCharsets.UTF_8)).isEqualTo("version one");
            ChannelStream channel = raw.openStream();
            channel.output().write(frame("{\"channel\":\"echo\",\"delivered\":0}"));
            byte[] reply = Fixtures.readFrame(channel);
            assertThatThrownBy(() -> Messages.decodeChannelAccepted(reply)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("channels need protocol version 2")
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
            control.close();
        }
    }

    @Test
    void unsupportedVersionIsRefused() throws Exception {
        try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            ChannelStream control = raw.openStream();
            control.output().write(frame("{\"type\":\"new\",\"versions\":[99]}"));
            byte[] reply = Fixtures.readFrame(control);
            assertThatThrownBy(() -> Messages.decodeSessionGranted(reply))
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
            assertThat(awaitClose(raw).error()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION.quicCode());
            control.close();
        }
    }

    @Test
    void oversizedFrameIsRefusedBeforeAllocation() throws Exception {
        try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            ChannelStream control = raw.openStream();
            // Declares 2 GiB - 1; the server must refuse on the prefix alone.
            control.output().write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0});
            byte[] reply = Fixtures.readFrame(control);
            assertThatThrownBy(() -> Messages.decodeSessionGranted(reply))
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(awaitClose(raw).error()).isEqualTo(ErrorCode.FRAME_TOO_LARGE.quicCode());
            control.close();
        }
        assertServerStillServes();
    }

    @Test
    void oversizedFrameOnAServiceStreamFailsOnlyThatStream() throws Exception {
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            try (DuplexStream kv = session.openStream("kv")) {
                kv.output().write(ByteBuffer.allocate(4).putInt(server.config().maxFrameSize() + 1).array());
                assertThatThrownBy(() -> Messages.decodeStreamAccepted(Fixtures.readFrame(kv)))
                        .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            }
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write(7);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).containsExactly(7);
            }
        }
    }

    @Test
    void unknownServiceIsRefusedAndTheConnectionStaysUsable() throws Exception {
        try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            assertThatThrownBy(() -> session.openStream("no-such-service"))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("no-such-service")
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.UNKNOWN_SERVICE);
            try (DuplexStream echo = session.openStream("echo")) {
                echo.output().write(9);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).containsExactly(9);
            }
        }
    }

    @Test
    void streamBeforeTheControlExchangeGetsSessionRequired() throws Exception {
        try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            ChannelStream control = raw.openStream(); // stream 0, but no hello is ever sent
            ChannelStream early = raw.openStream();
            early.output().write(frame(new String(Messages.encode(new StreamHeader("echo")), StandardCharsets.UTF_8)));
            byte[] reply = Fixtures.readFrame(early);
            assertThatThrownBy(() -> Messages.decodeStreamAccepted(reply))
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.SESSION_REQUIRED);
            assertThat(awaitClose(raw).error()).isEqualTo(ErrorCode.HELLO_TIMEOUT.quicCode());
            early.close();
            control.close();
        }
        assertServerStillServes();
    }

    @Test
    void streamsHeldForAFailedHelloGetSessionRequiredBeforeTheClose() throws Exception {
        for (String hello : new String[] {"{\"type\":\"new\",\"versions\":[99]}", "{\"type\": new"}) {
            try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
                ChannelStream control = raw.openStream();
                ChannelStream held = raw.openStream();
                long streamsBefore = server.activeStreams();
                held.writeFrame(Messages.encode(new StreamHeader("echo")));
                // The server has the stream (and its header) before the hello fails.
                await().atMost(Duration.ofSeconds(10)).until(() -> server.activeStreams() > streamsBefore);
                control.output().write(frame(hello));
                byte[] reply = Fixtures.readFrame(held);
                assertThatThrownBy(() -> Messages.decodeStreamAccepted(reply)).as(hello)
                        .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.SESSION_REQUIRED);
                assertThat(awaitClose(raw).error()).isIn(ErrorCode.UNSUPPORTED_VERSION.quicCode(),
                        ErrorCode.PROTOCOL_VIOLATION.quicCode());
                held.close();
                control.close();
            }
        }
        assertServerStillServes();
    }

    @Test
    void streamOpenedTogetherWithTheHelloWaitsForTheSession() throws Exception {
        try (RawConnection raw = new RawConnection(server.localAddress(), "super-quic")) {
            ChannelStream control = raw.openStream();
            ChannelStream echo = raw.openStream();
            // Header first, hello second: the server holds the stream until the session exists.
            echo.writeFrame(Messages.encode(new StreamHeader("echo")));
            control.writeFrame(Messages.encode(Hello.newSession()));
            assertThat(Messages.decodeSessionGranted(Fixtures.readFrame(control)).sessionId()).startsWith("s-");
            Messages.decodeStreamAccepted(Fixtures.readFrame(echo));
            echo.output().write(5);
            echo.finishOutput();
            assertThat(Fixtures.readAll(echo)).containsExactly(5);
            echo.close();
            control.close();
        }
    }

    @Test
    void wrongAlpnFailsTheHandshake() throws Exception {
        assertThatThrownBy(() -> new RawConnection(server.localAddress(), "h3")).hasMessageContaining("handshake");
        var config = Loopback.clientConfig(server).alpn("not-super-quic").build();
        try (SuperQuicClient client = new SuperQuicClient(config)) {
            assertThatThrownBy(client::connect).isInstanceOf(SSLException.class).hasMessageContaining("ALPN");
        }
        assertServerStillServes();
    }
}

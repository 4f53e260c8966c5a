package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Streams that finish their idle side early ({@code sink}; generate's client after its request),
 * and a client that closes while its upload is still in flight.
 */
class BulkCloseTest {
    private static final int CHUNK = 128 * 1024;

    @Test
    void sinkFinishesItsSideAtOnceAndTakesEverything() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             DuplexStream sink = session.openStream("sink")) {
            // The server's FIN comes before anything is sent: its side was never going to be used.
            assertThat(sink.readBuffer()).isNull();
            for (int i = 0; i < 16; i++) {
                sink.write(Unpooled.wrappedBuffer(new byte[CHUNK]));
            }
            sink.finishOutput();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeStreams() == 1); // the control stream
            assertThat(server.bufferedInboundBytes()).isZero();
        }
    }

    /**
     * generate goes on after the client's FIN, and a client that stops reading ends the stream:
     * through STOP_SENDING when Netty reports it, at the latest at the write timeout (Netty
     * 4.2.18 does not always tell a writer blocked on flow control that its peer stopped it).
     */
    @Test
    void generateKeepsSendingAfterTheClientFinishedAndEndsWhenTheClientStopsReading() throws Exception {
        var config = Loopback.serverConfig().streamWriteTimeout(Duration.ofSeconds(3)).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame(("{\"bytes\":" + Long.MAX_VALUE + "}").getBytes());
                generate.finishOutput();
                long received = 0;
                while (received < 4L * CHUNK) {
                    ByteBuf buf = generate.readBuffer();
                    assertThat(buf).isNotNull();
                    received += buf.readableBytes();
                    buf.release();
                }
            } // closed unread: STOP_SENDING
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeStreams() == 1); // the control stream
        }
    }

    /**
     * A client that closes right after writing a bulk upload, with data and congestion window
     * still in flight: the server must still learn of the close at once, not at its idle timeout.
     */
    @Test
    void closingRightAfterABulkUploadClosesTheConnectionOnTheServer() throws Exception {
        var config = Loopback.serverConfig().idleTimeout(Duration.ofSeconds(60)).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build())) {
            ClientSession session = client.connect();
            ByteBuf zeros = Unpooled.directBuffer(CHUNK).writeZero(CHUNK);
            try (DuplexStream sink = session.openStream("sink")) {
                for (int i = 0; i < 256; i++) { // 32 MiB: more than the connection's flow-control window
                    sink.write(zeros.retainedSlice());
                }
                sink.finishOutput();
            } finally {
                zeros.release();
            }
            session.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.activeConnections() == 0
                    && server.activeStreams() == 0);
        }
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.json.JsonFrames;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The demo services' documented protocols, on a server with a single UDP socket. */
class DemoServicesTest {
    @Test
    void buffersWrittenAndReadWithoutCopiesArriveIntactAndAreReleased() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().ioThreads(1).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            // generate writes slices of a shared buffer: more than two 128 KiB chunks, pattern intact.
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame("{\"bytes\":300000}".getBytes());
                generate.finishOutput();
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                for (ByteBuf buf; (buf = generate.readBuffer()) != null;) {
                    assertThat(buf.isReadable()).isTrue();
                    received.write(ByteBufUtil.getBytes(buf));
                    buf.release();
                }
                byte[] all = received.toByteArray();
                assertThat(all).hasSize(300_000);
                for (int i = 0; i < all.length; i++) {
                    if (all[i] != (byte) i) {
                        throw new AssertionError("byte " + i + " is " + all[i]);
                    }
                }
            }
            // discard reads buffers as they arrived; heap and direct buffers both go out whole.
            try (DuplexStream discard = session.openStream("discard")) {
                ByteBuf heap = Unpooled.wrappedBuffer(new byte[200_000]);
                ByteBuf direct = Unpooled.directBuffer(1000).writeZero(1000);
                discard.write(heap);
                discard.write(direct);
                discard.output().write(new byte[24]); // mixed with stream writes
                discard.finishOutput();
                assertThat(JsonFrames.parseObject(Fixtures.readFrame(discard)).path("bytes").asLong()).isEqualTo(201_024);
                assertThat(heap.refCnt()).isZero();
                assertThat(direct.refCnt()).isZero();
            }
        }
    }

    @Test
    void generateDiscardAndKvBehaveAsDocumented() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().ioThreads(1).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame("{\"bytes\":300}".getBytes());
                generate.writeFrame("{\"bytes\":2}".getBytes());
                generate.finishOutput();
                byte[] all = Fixtures.readAll(generate);
                assertThat(all).hasSize(302);
                assertThat(all[255] & 0xff).isEqualTo(255);
                assertThat(all[256]).isZero(); // the pattern repeats
                assertThat(all[300]).isZero(); // and restarts for each request
                assertThat(all[301]).isEqualTo((byte) 1);
            }
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame("{\"bytes\":-1}".getBytes());
                assertThatThrownBy(() -> Messages.decodeStreamAccepted(Fixtures.readFrame(generate)))
                        .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            }
            try (DuplexStream discard = session.openStream("discard")) {
                discard.output().write(new byte[12345]);
                discard.finishOutput();
                assertThat(JsonFrames.parseObject(Fixtures.readFrame(discard)).path("bytes").asLong()).isEqualTo(12345);
            }
            try (DuplexStream kv = session.openStream("kv")) {
                kv.writeFrame("{\"op\":\"put\",\"key\":\"b\",\"value\":\"2\"}".getBytes());
                assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("type").asText()).isEqualTo("ok");
                kv.writeFrame("{\"op\":\"frobnicate\"}".getBytes());
                assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("code").asText()).isEqualTo("BAD_REQUEST");
                kv.writeFrame("{\"op\":\"delete\",\"key\":\"b\"}".getBytes());
                assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("existed").asBoolean()).isTrue();
                kv.writeFrame("{\"op\":\"list\"}".getBytes());
                assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("entries").isEmpty()).isTrue();
                kv.finishOutput();
                assertThat(Fixtures.readFrame(kv)).isNull();
            }
        }
    }

    @Test
    void aPutBeyondTheSessionsStateLimitIsRefusedWithLimitExceeded() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().maxSessionKeys(1).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect()) {
            Kv.put(session, "one", "1");
            assertThatThrownBy(() -> Kv.put(session, "two", "2")).isInstanceOf(ProtocolException.class)
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
            assertThat(Kv.get(session, "one")).contains("1");
            assertThat(Kv.get(session, "two")).isEmpty();
        }
    }

    @Test
    void framesLargerThanTheFirstChunkArriveWhole() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
             ClientSession session = client.connect();
             DuplexStream kv = session.openStream("kv")) {
            // Read by the server and the client in pieces into a payload that grows (64 KiB first).
            String value = "v".repeat(900_000) + "end";
            kv.writeFrame(("{\"op\":\"put\",\"key\":\"big\",\"value\":\"" + value + "\"}").getBytes());
            assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("type").asText()).isEqualTo("ok");
            kv.writeFrame("{\"op\":\"get\",\"key\":\"big\"}".getBytes());
            assertThat(JsonFrames.parseObject(Fixtures.readFrame(kv)).path("value").asText()).isEqualTo(value);
            kv.finishOutput();
            assertThat(Fixtures.readFrame(kv)).isNull();
        }
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import org.junit.jupiter.api.Test;

/** The demo services' documented protocols, on a server with a single UDP socket. */
class DemoServicesTest {
    @Test
    void generateDiscardAndKvBehaveAsDocumented() throws Exception {
        try (SuperQuicServer server = Fixtures.server(Fixtures.serverConfig().ioThreads(1).build(), b -> b);
             SuperQuicClient client = new SuperQuicClient(Fixtures.clientConfig(server).build());
             ClientSession session = client.connect()) {
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame("{\"bytes\":300}".getBytes());
                generate.writeFrame("{\"bytes\":2}".getBytes());
                generate.finishOutput();
                byte[] all = generate.input().readAllBytes();
                assertThat(all).hasSize(302);
                assertThat(all[255] & 0xff).isEqualTo(255);
                assertThat(all[256]).isZero(); // the pattern repeats
                assertThat(all[300]).isZero(); // and restarts for each request
                assertThat(all[301]).isEqualTo((byte) 1);
            }
            try (DuplexStream generate = session.openStream("generate")) {
                generate.writeFrame("{\"bytes\":-1}".getBytes());
                assertThatThrownBy(() -> Messages.decodeStreamAccepted(generate.readFrame()))
                        .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_REQUEST);
            }
            try (DuplexStream discard = session.openStream("discard")) {
                discard.output().write(new byte[12345]);
                discard.finishOutput();
                assertThat(Messages.parseObject(discard.readFrame()).path("bytes").asLong()).isEqualTo(12345);
            }
            try (DuplexStream kv = session.openStream("kv")) {
                kv.writeFrame("{\"op\":\"put\",\"key\":\"b\",\"value\":\"2\"}".getBytes());
                assertThat(Messages.parseObject(kv.readFrame()).path("type").asText()).isEqualTo("ok");
                kv.writeFrame("{\"op\":\"frobnicate\"}".getBytes());
                assertThat(Messages.parseObject(kv.readFrame()).path("code").asText()).isEqualTo("BAD_REQUEST");
                kv.writeFrame("{\"op\":\"delete\",\"key\":\"b\"}".getBytes());
                assertThat(Messages.parseObject(kv.readFrame()).path("existed").asBoolean()).isTrue();
                kv.writeFrame("{\"op\":\"list\"}".getBytes());
                assertThat(Messages.parseObject(kv.readFrame()).path("entries").isEmpty()).isTrue();
                kv.finishOutput();
                assertThat(kv.readFrame()).isNull();
            }
        }
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Messages.StreamHeader;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.testing.TestThreads;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Attacks on the packaged server in a process of its own, with a small heap. */
class HostileInputTest {
    private static final int CONNECTIONS = 10;
    private static final int STREAMS = 60;
    private static final int ANNOUNCED = 1_000_000;
    private static final int SENT = 600_000;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void framesAnnouncedLargeAndSentHalfwayCannotExhaustTheHeap() throws Exception {
        // 10 x 60 streams each holding 600 KB of a 1 MB frame would need ~600 MB; the heap is 256 MB.
        // Default bounds: 16 MiB per connection, a quarter of the heap in all. Without them the server
        // chokes (the attackers' connections time out).
        ServerProcess server = ServerProcess.start(List.of("-Xmx256m"), "--port", "0", "--log-format", "json",
                "--reset-secret", java.nio.file.Files.createTempDirectory("sq").resolve("secret").toString());
        try {
            int port = Integer.parseInt(await().atMost(Duration.ofSeconds(30))
                    .until(() -> ServerProcess.find(server.lines, "listening on udp /127\\.0\\.0\\.1:(\\d+)"), v -> v != null));
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            List<RawConnection> attackers = new ArrayList<>();
            List<ChannelStream> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (TestThreads threads = TestThreads.virtual()) {
                List<Future<?>> attacks = new ArrayList<>();
                for (int c = 0; c < CONNECTIONS; c++) {
                    RawConnection raw = new RawConnection(address, "super-quic");
                    attackers.add(raw);
                    attacks.add(threads.submit(() -> attack(raw, opened)));
                }
                for (Future<?> attack : attacks) {
                    attack.get(120, TimeUnit.SECONDS);
                }
                // Meanwhile an ordinary client is served.
                ClientConfig config = ClientConfig.builder().server(address).trust(TrustConfig.insecure()).build();
                try (SuperQuicClient client = new SuperQuicClient(config); ClientSession session = client.connect()) {
                    Kv.put(session, "still", "serving");
                    assertThat(Kv.get(session, "still")).contains("serving");
                }
            } finally {
                opened.forEach(ChannelStream::close); // frees what they received (the server's error frames)
                attackers.forEach(RawConnection::close);
            }
            assertThat(server.process.isAlive()).isTrue();
            assertThat(server.lines).noneMatch(l -> l.contains("OutOfMemoryError"));
            assertThat(server.lines).anyMatch(l -> l.contains("LIMIT_EXCEEDED"));
        } finally {
            server.process.destroyForcibly();
            server.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A session, then streams to kv that each announce a large frame and send part of it. */
    private static Void attack(RawConnection raw, List<ChannelStream> opened) throws Exception {
        ChannelStream control = raw.openStream();
        opened.add(control);
        control.writeFrame(Messages.encode(Messages.Hello.newSession()));
        Messages.decodeSessionGranted(Fixtures.readFrame(control));
        byte[] part = new byte[SENT];
        for (int s = 0; s < STREAMS; s++) {
            ChannelStream kv = raw.openStream();
            opened.add(kv);
            kv.writeFrame(Messages.encode(new StreamHeader("kv")));
            Messages.decodeStreamAccepted(Fixtures.readFrame(kv));
            try {
                kv.output().write(ByteBuffer.allocate(4).putInt(ANNOUNCED).array());
                kv.output().write(part);
            } catch (java.io.IOException e) {
                // the server refused the frame and stopped the stream: what this test wants
            }
        }
        return null;
    }
}

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
import dev.superquic.stream.internal.InboundPipe;
import dev.superquic.testing.Loopback;
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

/** Attacks on the server: memory a peer tries to make it hold. */
abstract class MemoryChecks {
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

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void streamsThatAreNeverReadHoldNoMoreThanTheInboundMemory() throws Exception {
        // 3 connections x 12 streams whose service does not read, each sent 1 MiB: with 1 MiB stream
        // buffers they would pin 36 MiB; the budgets are 1 MiB per connection, 2 MiB in all.
        int connections = 3;
        int streams = 12;
        long perConnection = 1 << 20;
        long total = 2 << 20;
        var config = Loopback.serverConfig().streamBufferBytes(1 << 20).inboundMemoryPerConnection(perConnection)
                .inboundMemoryTotal(total).build();
        java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong consumed = new java.util.concurrent.atomic.AtomicLong();
        byte[] payload = new byte[1 << 20];
        try (dev.superquic.server.SuperQuicServer server = Fixtures.server(config, b -> b.service("hold", stream -> {
                    open.await(); // a service that does not read until the test lets it
                    consumed.addAndGet(stream.input().transferTo(java.io.OutputStream.nullOutputStream()));
                }));
             TestThreads threads = TestThreads.virtual()) {
            List<SuperQuicClient> clients = new ArrayList<>();
            List<Future<?>> writers = new ArrayList<>();
            try {
                for (int c = 0; c < connections; c++) {
                    SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
                    clients.add(client);
                    ClientSession session = client.connect();
                    for (int s = 0; s < streams; s++) {
                        dev.superquic.stream.DuplexStream stream = session.openStream("hold");
                        writers.add(threads.submit(() -> {
                            stream.output().write(payload); // blocks on flow control once the server stops reading
                            stream.finishOutput();
                            return null;
                        }));
                    }
                }
                // Each stream holds its allowance without the budget, and takes one more hand-over
                // (at most 64 KiB) before it finds the budget spent.
                long slack = (long) connections * streams * (InboundPipe.ALLOWANCE + 64 * 1024);
                // The budgets fill and streams begin to wait (without them, memory runs past the bound).
                var waits = server.meterRegistry().get("superquic.inbound.memory.waits").counter();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> waits.count() > 0 || server.bufferedInboundBytes() > total + slack);
                // Then nothing more arrives: what is buffered holds steady for half a second.
                java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(-1);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).during(Duration.ofMillis(500))
                        .until(() -> {
                            long now = server.bufferedInboundBytes();
                            return last.getAndSet(now) == now;
                        });
                long buffered = server.bufferedInboundBytes();
                assertThat(buffered).as("bytes buffered in the server's streams").isLessThanOrEqualTo(total + slack);
                assertThat(server.meterRegistry().get("superquic.inbound.memory").gauge().value())
                        .isLessThanOrEqualTo(total + connections * 64 * 1024.0 * streams);
                assertThat(waits.count()).isPositive();
                // Another client's small requests are still served meanwhile: within the allowance.
                try (SuperQuicClient other = new SuperQuicClient(Loopback.clientConfig(server).build());
                     ClientSession session = other.connect()) {
                    Kv.put(session, "still", "serving");
                    assertThat(Kv.get(session, "still")).contains("serving");
                }
                open.countDown();
                for (Future<?> writer : writers) {
                    writer.get(60, TimeUnit.SECONDS); // and every held stream resumes: nothing is lost
                }
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> consumed.get() == (long) connections * streams * payload.length);
                await().atMost(Duration.ofSeconds(10)).until(() -> server.meterRegistry()
                        .get("superquic.inbound.memory").gauge().value() == 0);
            } finally {
                open.countDown();
                clients.forEach(SuperQuicClient::close);
            }
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

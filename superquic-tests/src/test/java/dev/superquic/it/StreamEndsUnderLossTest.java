package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import dev.superquic.testing.TestThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every stream ends under heavy packet loss: many short echoes through a relay that drops 10 %
 * of the datagrams each way. quiche as built into Netty 4.2.18 forgets a stream whose data was
 * acknowledged even if its FIN, sent alone, was lost (cloudflare/quiche#2525); before stream
 * ends were announced on the control stream about one such echo in a few hundred never ended.
 */
class StreamEndsUnderLossTest {
    private static final int ECHOES = Integer.getInteger("superquic.lossEchoes", 1200);
    private static final int PARALLEL = 8;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shortEchoesAllEndAtTenPercentLoss() throws Exception {
        try (SuperQuicServer server = Fixtures.server();
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            relay.mode(UdpRelay.Mode.LOSSY);
            relay.dropRate(0.10);
            AtomicInteger next = new AtomicInteger();
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                         server.certificateFingerprint()).idleTimeout(Duration.ofSeconds(30)).build());
                 ClientSession session = client.connect()) {
                try (TestThreads workers = TestThreads.virtual(); TestThreads readers = TestThreads.virtual()) {
                    List<Future<Integer>> runs = new ArrayList<>();
                    for (int w = 0; w < PARALLEL; w++) {
                        int seed = w;
                        runs.add(workers.submit(() -> echoUntilDone(server, session, readers, next, new SplittableRandom(seed))));
                    }
                    int done = 0;
                    for (Future<Integer> run : runs) {
                        done += run.get(150, TimeUnit.SECONDS);
                    }
                    assertThat(done).isEqualTo(ECHOES);
                    assertThat(relay.dropped()).as("datagrams the relay dropped").isPositive();
                }
            }
        }
    }

    /** Echoes payloads of 1 byte to 24 KiB, each on a stream of its own, until ECHOES were started. */
    private static int echoUntilDone(SuperQuicServer server, ClientSession session, TestThreads readers, AtomicInteger next,
                                     SplittableRandom random) throws Exception {
        int done = 0;
        while (next.getAndIncrement() < ECHOES) {
            byte[] payload = new byte[1 + random.nextInt(24 * 1024)];
            random.nextBytes(payload);
            try (DuplexStream echo = session.openStream("echo")) {
                Future<byte[]> reply = readers.submit(() -> echo.input().readAllBytes());
                echo.output().write(payload);
                echo.finishOutput();
                assertThat(Fixtures.getOrDescribe(reply, echo, server, Duration.ofSeconds(20))).isEqualTo(payload);
            }
            done++;
        }
        return done;
    }
}

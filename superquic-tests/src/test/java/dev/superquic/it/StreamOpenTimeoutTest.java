package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * openStream is bounded by the stream open timeout even when the server never answers the stream
 * header: a server process stopped with SIGSTOP (as a paused or dying process would be) must not
 * hold the caller until the connection's idle timeout.
 */
class StreamOpenTimeoutTest {
    @Test
    void aServerThatNeverAnswersTheHeaderFailsOpenStreamWithinTheOpenTimeout() throws Exception {
        ServerProcess server = ServerProcess.start(List.of(), "--port", "0", "--log-format", "json",
                "--session-store", "memory", "--reset-secret",
                java.nio.file.Files.createTempDirectory("superquic").resolve("reset-secret").toString());
        long pid = server.process.pid();
        try {
            int port = Integer.parseInt(await().atMost(Duration.ofSeconds(60)).until(() -> ServerProcess.find(server.lines,
                    "listening on udp /127\\.0\\.0\\.1:(\\d+)"), p -> p != null));
            ClientConfig config = ClientConfig.builder().server("127.0.0.1", port).trust(TrustConfig.insecure())
                    .reconnect(ReconnectPolicy.disabled()).idleTimeout(Duration.ofSeconds(60))
                    .streamOpenTimeout(Duration.ofSeconds(2)).build();
            try (SuperQuicClient client = new SuperQuicClient(config);
                 ClientSession session = client.connect()) {
                signal("-STOP", pid);
                long start = System.nanoTime();
                assertThatThrownBy(() -> session.openStream("echo")).isInstanceOf(SocketTimeoutException.class)
                        .hasMessageContaining("did not accept the stream");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms to fail")
                        .isLessThan(10_000);
            }
        } finally {
            signal("-CONT", pid);
            server.process.destroyForcibly();
            server.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}

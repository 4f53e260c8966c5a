package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.client.TrustConfig;
import dev.superquic.stream.DuplexStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged server as a real process: JSON logs, readiness, SIGTERM drain and exit code. */
class ProcessTest {
    private static final Path JAR = ServerProcess.JAR;

    @Test
    void jsonLogsCarryIdsAndSigtermDrainsAndExitsZero() throws Exception {
        assertThat(JAR).as("the CLI jar is packaged before this module's tests").exists();
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString(),
                "server", "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--log-format", "json",
                "--reset-secret", Files.createTempDirectory("superquic").resolve("reset-secret").toString(),
                "--data-dir", Files.createTempDirectory("superquic-data").toString(), "--node-id", "node-p",
                "--shutdown-grace", "10s").redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // process ended
            }
        });
        try {
            int port = Integer.parseInt(await().atMost(Duration.ofSeconds(30))
                    .until(() -> ServerProcess.find(lines, "listening on udp /127\\.0\\.0\\.1:(\\d+)"), v -> v != null));
            int opsPort = Integer.parseInt(await().atMost(Duration.ofSeconds(10))
                    .until(() -> ServerProcess.find(lines, "operations endpoint on http://127\\.0\\.0\\.1:(\\d+)"), v -> v != null));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/ready")).build();
            assertThat(http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            ClientConfig config = ClientConfig.builder().server("127.0.0.1", port).trust(TrustConfig.insecure())
                    .reconnect(dev.superquic.client.ReconnectPolicy.disabled()).build();
            try (SuperQuicClient client = new SuperQuicClient(config);
                 ClientSession session = client.connect();
                 DuplexStream echo = session.openStream("echo")) {
                echo.output().write("before".getBytes());
                server.toHandle().destroy(); // SIGTERM
                await().atMost(Duration.ofSeconds(10)).until(
                        () -> http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 503);
                echo.output().write(" and after".getBytes());
                echo.finishOutput();
                assertThat(new String(Fixtures.readAll(echo))).isEqualTo("before and after");
                assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("exits after the drain").isTrue();
                assertThat(server.exitValue()).isZero();
            }

            ObjectMapper json = new ObjectMapper();
            List<JsonNode> records = new java.util.ArrayList<>();
            for (String line : lines) {
                records.add(json.readTree(line)); // every line is one JSON object
            }
            assertThat(records).allSatisfy(r -> assertThat(r.isObject()).isTrue());
            assertThat(ServerProcess.find(lines, "Netty buffer leak detection: (\\w+)"))
                    .as("the packaged server runs without Netty's sampling leak detector").isEqualTo("DISABLED");
            JsonNode created = records.stream().filter(r -> r.path("formattedMessage").asText().contains("created"))
                    .findFirst().orElseThrow();
            assertThat(created.path("mdc").path("conn").asText()).matches("c\\d+");
            assertThat(created.path("mdc").path("session").asText()).startsWith("s-");
            assertThat(created.path("mdc").path("stream").asText()).isEqualTo("0");
            assertThat(records).as("every line names the node").allSatisfy(r ->
                    assertThat(r.path("context").path("properties").path("node").asText()).isEqualTo("node-p"));
            assertThat(records).anySatisfy(r -> assertThat(r.path("formattedMessage").asText())
                    .contains("connection closed").containsPattern("packets sent [1-9]\\d*, received [1-9]\\d*, lost \\d+")
                    .containsPattern("bytes sent [1-9]\\d*, received [1-9]\\d*"));
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 4, unit = TimeUnit.MINUTES) // two server starts on a loaded machine
    void aServerRestartedOnItsAddressResetsOldConnectionsAndTheClientComesBackAtOnce(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path secret = dir.resolve("reset-secret"); // made by the first server, read by the second
        Path data = dir.resolve("data"); // the durable session store, the same for both
        ServerProcess firstServer = ServerProcess.start(List.of(), "--port", "0", "--reset-secret", secret.toString(),
                "--data-dir", data.toString(), "--log-format", "json");
        Process first = firstServer.process;
        List<String> firstLog = firstServer.lines;
        Process second = null;
        try {
            int port = Integer.parseInt(await().atMost(Duration.ofSeconds(30))
                    .until(() -> ServerProcess.find(firstLog, "listening on udp /127\\.0\\.0\\.1:(\\d+)"), v -> v != null));
            List<Long> connectedAt = new CopyOnWriteArrayList<>();
            List<Throwable> disconnects = new CopyOnWriteArrayList<>();
            // An idle timeout far above what the test waits: only a stateless reset ends the old
            // connection in time. (The wait is long because a restart on a loaded machine is slow:
            // the client notices at its next datagram, and its probe timeout doubles each time
            // while the server is down, so it may come about as long after the restart as the
            // restart took. Unloaded, it comes within 1-1.5 s.)
            ClientConfig config = ClientConfig.builder().server("127.0.0.1", port).trust(TrustConfig.insecure())
                    .idleTimeout(Duration.ofSeconds(150))
                    .reconnect(new dev.superquic.client.ReconnectPolicy(true, Duration.ofMillis(50),
                            Duration.ofMillis(200), 2, 0.2, 0)).build();
            try (SuperQuicClient client = new SuperQuicClient(config);
                 ClientSession session = client.connect(new dev.superquic.client.SessionListener() {
                     @Override
                     public void onConnected(dev.superquic.client.SessionEvent event) {
                         connectedAt.add(System.nanoTime());
                     }

                     @Override
                     public void onDisconnected(Throwable cause) {
                         disconnects.add(cause);
                     }
                 });
                 var traffic = java.util.concurrent.Executors.newSingleThreadScheduledExecutor()) {
                // An application that keeps talking: an echo every 20 ms, failures ignored.
                traffic.scheduleWithFixedDelay(() -> {
                    try (DuplexStream echo = session.openStream("echo")) {
                        echo.output().write(1);
                        echo.finishOutput();
                        Fixtures.readAll(echo);
                    } catch (Exception ignored) {
                        // the server is gone for a moment
                    }
                }, 0, 20, TimeUnit.MILLISECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> connectedAt.size() == 1);
                String sessionId = session.id();
                Kv.put(session, "survives", "kill -9"); // acknowledged: must outlive the process

                first.destroyForcibly(); // SIGKILL: no CONNECTION_CLOSE, the connection is just gone
                assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
                // The same settings from a config file this time, JSON logs included.
                Path settings = java.nio.file.Files.writeString(dir.resolve("superquic.properties"),
                        "port=" + port + "\nreset-secret=" + secret + "\ndata-dir=" + data + "\nlog-format=json\n");
                ServerProcess secondServer = ServerProcess.start(List.of(), "--config", settings.toString());
                second = secondServer.process;
                List<String> secondLog = secondServer.lines;
                await().atMost(Duration.ofSeconds(30)).until(() -> ServerProcess.find(secondLog, "(listening) on udp") != null);
                long restartedAt = System.nanoTime();

                try {
                    await().atMost(Duration.ofSeconds(100)).until(() -> connectedAt.size() == 2);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("no reconnect; disconnects " + disconnects + "; restarted server's log: "
                            + secondLog.subList(Math.max(0, secondLog.size() - 10), secondLog.size()), e);
                }
                long reconnectMillis = TimeUnit.NANOSECONDS.toMillis(connectedAt.get(1) - restartedAt);
                System.out.println("client reconnected " + reconnectMillis + " ms after the restart");
                if (reconnectMillis > 10_000) { // slow: keep what the restarted server saw (ARCHITECTURE.md, "Open")
                    secondLog.forEach(line -> System.out.println("restarted server: " + line));
                }
                assertThat(disconnects).hasSize(1);
                assertThat(disconnects.get(0)).hasMessageContaining("stateless reset");
                // The durable store kept the session and its state across the kill.
                assertThat(session.lastEvent().resumed()).as("resumed after the restart: %s", session.lastEvent()).isTrue();
                assertThat(session.id()).isEqualTo(sessionId);
                assertThat(Kv.get(session, "survives")).contains("kill -9");
                traffic.shutdownNow();
            }
        } finally {
            first.destroyForcibly();
            if (second != null) {
                second.destroyForcibly();
                second.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

}

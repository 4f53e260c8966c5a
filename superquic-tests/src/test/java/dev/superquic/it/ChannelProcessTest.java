package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Channels as users run them: packaged server and client processes. The channel soak (numbered
 * messages both ways, committed exactly once by the server) loses, repeats and reorders nothing
 * across a {@code kill -9} and restart of a server on the durable store. The feed demo: The numbers go on with no
 * gap, repeat or reordering across a {@code kill -9} and restart of the server (durable store) in
 * the middle of a run, across a restart of the client (its session file), and across the
 * {@code kill -9} of the node holding the client when two nodes share Redis.
 */
class ChannelProcessTest {

    @Test
    @org.junit.jupiter.api.Timeout(value = 4, unit = TimeUnit.MINUTES) // two server starts on a loaded machine
    void theFeedGoesOnAcrossAKilledServerAndARestartedClient(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path sessionFile = dir.resolve("session");
        ServerProcess first = ServerProcess.start(List.of(), "--port", "0", "--data-dir", data.toString(),
                "--log-format", "json");
        ServerProcess second = null;
        Process client = null;
        try {
            int port = first.awaitPort();
            ServerProcess feed = feed(port, sessionFile, 400);
            client = feed.process;
            List<String> clientLines = feed.lines;
            await().atMost(Duration.ofSeconds(30)).until(() -> clientLines.stream().anyMatch(l -> l.startsWith("#50 ")));
            first.process.destroyForcibly(); // SIGKILL in the middle of the feed
            assertThat(first.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            second = ServerProcess.start(List.of(), "--port", Integer.toString(port), "--data-dir", data.toString(),
                    "--log-format", "json");
            assertThat(client.waitFor(120, TimeUnit.SECONDS)).as("client output: %s", tail(clientLines)).isTrue();
            assertThat(client.exitValue()).as("client output: %s", tail(clientLines)).isZero();
            assertThat(clientLines).as("client output").anyMatch(l -> l.contains(
                    "feed 400 messages (1 to 400): 0 gaps, 0 repeated, 0 reordered"));

            ServerProcess again = feed(port, sessionFile, 100); // a restarted client goes on where it stopped
            client = again.process;
            assertThat(client.waitFor(60, TimeUnit.SECONDS)).as("client output: %s", tail(again.lines)).isTrue();
            assertThat(client.exitValue()).isZero();
            assertThat(again.lines).as("client output").anyMatch(l -> l.contains(
                    "feed 100 messages (401 to 500): 0 gaps, 0 repeated, 0 reordered"));
        } finally {
            if (client != null) {
                client.destroyForcibly();
            }
            first.process.destroyForcibly();
            if (second != null) {
                second.process.destroyForcibly();
                second.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theFeedMovesToAnotherNodeWhenItsNodeIsKilled(@TempDir Path dir) throws Exception {
        List<ServerProcess> nodes = new ArrayList<>();
        Process client = null;
        try (dev.superquic.store.redis.RedisServer redis = dev.superquic.store.redis.RedisServer.start()) {
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ServerProcess node = ServerProcess.start(List.of("-Xmx256m"), "--port", "0", "--log-format", "json",
                        "--reset-secret", dir.resolve("reset-secret").toString(), "--session-store", redis.uri());
                nodes.add(node);
                addresses.add("127.0.0.1:" + node.awaitPort());
            }
            ServerProcess feed = feed(String.join(",", addresses), dir.resolve("session"), 400);
            client = feed.process;
            List<String> clientLines = feed.lines;
            await().atMost(Duration.ofSeconds(30)).until(() -> clientLines.stream().anyMatch(l -> l.startsWith("#50 ")));
            nodes.get(0).process.destroyForcibly(); // the node the client started on
            assertThat(client.waitFor(120, TimeUnit.SECONDS)).as("client output: %s", tail(clientLines)).isTrue();
            assertThat(client.exitValue()).as("client output: %s", tail(clientLines)).isZero();
            assertThat(clientLines).as("client output").anyMatch(l -> l.contains(
                    "feed 400 messages (1 to 400): 0 gaps, 0 repeated, 0 reordered"));
        } finally {
            if (client != null) {
                client.destroyForcibly();
            }
            for (ServerProcess node : nodes) {
                node.process.destroyForcibly();
                node.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theChannelSoakLosesNothingAcrossAKilledServer(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        ServerProcess first = ServerProcess.start(List.of(), "--port", "0", "--data-dir", data.toString(),
                "--log-format", "json");
        ServerProcess second = null;
        Process soak = null;
        try {
            int port = first.awaitPort();
            List<String> command = new ArrayList<>(ServerProcess.cli(List.of(), List.of(), "bench"));
            command.addAll(List.of("soak", "--workload", "channel", "--count", "20000", "--transfer-size", "64",
                    "--idle-timeout", "2s", "--stall-timeout", "60s", "--server", "127.0.0.1:" + port, "--insecure"));
            ServerProcess run = ServerProcess.start(command);
            soak = run.process;
            // Killed while messages are in flight both ways: after some are back.
            await().atMost(Duration.ofSeconds(60)).until(() -> run.lines.stream().anyMatch(l -> l.matches(
                    "soak channel: [1-9][0-9]{3,}/20000 back.*")) || !run.process.isAlive());
            first.process.destroyForcibly();
            assertThat(first.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            second = ServerProcess.start(List.of(), "--port", Integer.toString(port), "--data-dir", data.toString(),
                    "--log-format", "json");
            assertThat(soak.waitFor(120, TimeUnit.SECONDS)).as("soak output: %s", tail(run.lines)).isTrue();
            assertThat(soak.exitValue()).as("soak output: %s", tail(run.lines)).isZero();
            assertThat(run.lines).as("soak output").anyMatch(l -> l.startsWith("channel: 20000 messages each way")
                    && l.contains("server counted 20000 (0 out of turn)")
                    && l.contains("client got 20000 back: 0 lost, 0 duplicated, 0 out of order")
                    && l.matches(".* [1-9][0-9]* reconnects.*")); // the kill came in the middle

        } finally {
            if (soak != null) {
                soak.destroyForcibly();
            }
            first.process.destroyForcibly();
            if (second != null) {
                second.process.destroyForcibly();
                second.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts {@code superquic feed --verify count}, 100 messages a second. */
    private static ServerProcess feed(int port, Path sessionFile, int count) throws Exception {
        return feed("127.0.0.1:" + port, sessionFile, count);
    }

    private static ServerProcess feed(String servers, Path sessionFile, int count) throws Exception {
        List<String> command = new ArrayList<>(ServerProcess.cli(List.of(), List.of(), "feed"));
        command.addAll(List.of("--server", servers, "--insecure", "--session-file", sessionFile.toString(),
                "--rate", "100", "--verify", Integer.toString(count)));
        return ServerProcess.start(command);
    }

    private static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 15), lines.size());
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server and client in two network namespaces joined by a link that drops 1 % of
 * packets and delays each by 5 ms, each way ({@link LossyLink}). Transfers must complete
 * byte-exact, and each end must send with the congestion controller it was configured with: the
 * server with CUBIC, the client with BBR (each end's qlog records the controller's states by
 * name). Correctness only: how fast is for the benchmarks (docs/BENCHMARKS.md).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LossyPathTest {
    private static final Duration CLIENT_LIMIT = Duration.ofSeconds(180);

    @Test
    void echoesCompleteByteExactAndEachEndSendsWithItsOwnController(@TempDir Path dir) throws Exception {
        Path serverQlogs = dir.resolve("server-qlog");
        Path clientQlogs = dir.resolve("client-qlog");
        try (LossyLink link = LossyLink.up("loss=1", "delay=5")) {
            List<String> serverCommand = ServerProcess.cli(LossyLink.serverNamespacePrefix(), List.of("-Xmx512m"),
                    "server");
            serverCommand.addAll(List.of("--host", LossyLink.SERVER_ADDRESS, "--port", "5555", "--metrics-port", "-1",
                    "--reset-secret", dir.resolve("reset-secret").toString(), "--data-dir", dir.resolve("data").toString(),
                    "--congestion-control", "cubic",
                    "--qlog-dir", serverQlogs.toString()));
            ServerProcess server = ServerProcess.start(serverCommand);
            try {
                await().atMost(Duration.ofSeconds(60)).until(
                        () -> server.lines.stream().anyMatch(l -> l.contains("server ready")) || !server.process.isAlive());
                assertThat(server.process.isAlive()).as("server: %s", server.lines).isTrue();

                // Echoes: both ends send data, so both controllers are at work.
                List<String> client = ServerProcess.cli(List.of(), List.of("-Xmx512m"), "bench");
                client.addAll(List.of("soak", "--server", LossyLink.SERVER_ADDRESS + ":5555", "--insecure",
                        "--workload", "echo", "--count", "12", "--parallel", "3", "--transfer-size", "256k",
                        "--stall-timeout", "60s", "--congestion-control", "bbr", "--qlog-dir", clientQlogs.toString()));
                Path clientOutput = dir.resolve("client.txt");
                Process soak = new ProcessBuilder(LossyLink.inClientNamespace(client)).redirectErrorStream(true)
                        .redirectOutput(clientOutput.toFile()).start();
                boolean ended = soak.waitFor(CLIENT_LIMIT.toSeconds(), TimeUnit.SECONDS);
                if (!ended) {
                    soak.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                String output = Files.readString(clientOutput, StandardCharsets.UTF_8);
                String why = "client output:\n" + output + "\nlink:\n" + link.stats();
                assertThat(ended).as("the client ended within %s; %s", CLIENT_LIMIT, why).isTrue();
                assertThat(soak.exitValue()).as(why).isZero();
                assertThat(output).as(why).contains("echo: 12 transfers").contains("ok 12, hung 0, corrupt 0, failed 0");
                assertThat(link.stats()).as("the link dropped packets").containsPattern("drop_loss[=: ]+[1-9]");
            } finally {
                server.process.destroy();
                if (!server.process.waitFor(10, TimeUnit.SECONDS)) {
                    server.process.destroyForcibly();
                }
            }
        }
        String qlogs = "qlogs: client " + statesByFile(clientQlogs) + ", server " + statesByFile(serverQlogs);
        assertThat(congestionStates(clientQlogs)).as(qlogs).isNotEmpty().allMatch(s -> s.startsWith("bbr_"));
        assertThat(congestionStates(serverQlogs)).as(qlogs).isNotEmpty().noneMatch(s -> s.startsWith("bbr_"))
                .contains("slow_start");
    }

    /** The names of every congestion state that the connections of {@code qlogs} went through. */
    private static List<String> congestionStates(Path qlogs) throws IOException {
        List<String> states = new ArrayList<>();
        try (Stream<Path> files = Files.list(qlogs)) {
            for (Path file : files.toList()) {
                states.addAll(congestionStatesOf(file));
            }
        }
        return states.stream().distinct().toList();
    }

    /** Each qlog file of {@code qlogs} with its size and the states its connection went through. */
    private static String statesByFile(Path qlogs) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(qlogs)) {
            for (Path file : files.toList()) {
                sb.append(file.getFileName()).append(" (").append(Files.size(file)).append(" B) ")
                        .append(congestionStatesOf(file)).append("; ");
            }
        }
        return sb.toString();
    }

    private static List<String> congestionStatesOf(Path file) throws IOException {
        java.util.regex.Pattern state = java.util.regex.Pattern.compile("\"new\":\"([a-z_0-9]+)\"");
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains("congestion_state_updated")).map(state::matcher)
                    .filter(java.util.regex.Matcher::find).map(m -> m.group(1)).distinct().toList();
        }
    }
}

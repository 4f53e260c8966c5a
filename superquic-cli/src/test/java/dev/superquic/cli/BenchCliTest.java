package dev.superquic.cli;

import static dev.superquic.cli.CliTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.bench.BenchResult;
import dev.superquic.bench.Report;
import dev.superquic.demo.DemoServices;
import dev.superquic.ops.OpsEndpoint;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code superquic bench}: summaries of saved runs, refused options, and idle's view of a remote server. */
class BenchCliTest {
    @Test
    void summarizePoolsTheRunsOfSeveralFiles(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.json");
        Path second = dir.resolve("second.json");
        write(first, new BenchResult("rpc", "superquic", Map.of("req/s", 2.0)),
                new BenchResult("rpc", "raw-quic", Map.of("req/s", 4.0)));
        write(second, new BenchResult("rpc", "superquic", Map.of("req/s", 4.0)),
                new BenchResult("rpc", "superquic", Map.of("req/s", 3.0)),
                new BenchResult("rpc", "raw-quic", Map.of("req/s", 4.0)));
        Path pooled = dir.resolve("pooled.json");

        CliTest.Run r = cli("bench", "summarize", first.toString(), second.toString(), "--json", pooled.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        // superquic's median over both files is 3 (of 2, 3, 4): against raw QUIC's 4, 0.75.
        assertThat(r.out()).contains("3.00 (2.00..4.00)").contains("superquic/raw-quic=0.75");
        assertThat(Report.readResults(pooled)).hasSize(5);
        assertThat(Files.readString(pooled)).contains("\"files\"").contains("first.json");
    }

    @Test
    void summarizeSaysWhatIsWrongWithItsFiles(@TempDir Path dir) throws Exception {
        CliTest.Run none = cli("bench", "summarize");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("at least one file");

        Path other = dir.resolve("other.json");
        Files.writeString(other, "{\"something\": []}");
        CliTest.Run notBench = cli("bench", "summarize", other.toString());
        assertThat(notBench.exit()).isNotZero();
        assertThat(notBench.err()).contains("has no \"results\" list");

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"results\": [");
        assertThat(cli("bench", "summarize", broken.toString()).err()).contains("is not JSON");

        assertThat(cli("bench", "summarize", dir.resolve("absent.json").toString()).err()).contains("absent.json");
        assertThat(cli("bench", "rpc", "--local", other.toString()).err()).contains("only summarize takes files");
    }

    @Test
    void idleAgainstARemoteServerReadsItsMemoryFromItsMetrics() throws Exception {
        var prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        try (SuperQuicServer server = DemoServices.register(SuperQuicServer.builder(ServerConfig.builder()
                        .host("127.0.0.1").port(0).build()).meterRegistry(prometheus)).start();
             OpsEndpoint ops = OpsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), prometheus, server::isReady,
                     true)) {
            CliTest.Run r = cli("bench", "idle", "--server", "127.0.0.1:" + server.localAddress().getPort(),
                    "--pin", server.certificateFingerprint(), "--idle-connections", "5", "--duration", "200ms",
                    "--metrics", "127.0.0.1:" + ops.address().getPort());

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("connections 5").contains("heap KiB/conn").contains("process RSS KiB/conn");
        }
        assertThat(cli("bench", "rpc", "--local", "--metrics", "127.0.0.1:1").err())
                .contains("--metrics goes with idle against --server");
    }

    @Test
    void packetSizeOptionsAreChecked() {
        CliTest.Run r = cli("bench", "throughput", "--local", "--max-udp-payload", "20000", "--discover-pmtu");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--discover-pmtu").contains("between 1201 and 16383");
    }

    @Test
    void compareRefusesMoreStreamsThanTheBaselinesGrant() {
        CliTest.Run r = cli("bench", "compare", "--many-streams", "101");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--many-streams must be 0..100");
    }

    private static void write(Path file, BenchResult... results) throws Exception {
        List<BenchResult> runs = List.of(results);
        Report.writeJson(file, Map.of("scenario", "compare"), runs, Report.summarize(runs));
    }
}

package dev.superquic.cli;

import static dev.superquic.cli.MetricsEndpoint.byLabel;
import static dev.superquic.cli.MetricsEndpoint.sum;

import dev.superquic.cli.MetricsEndpoint.Sample;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code superquic stats}: a short readable summary of a running server's metrics. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Print a summary of a running server's metrics (from its /metrics endpoint).")
final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--metrics", defaultValue = "127.0.0.1:9555", paramLabel = "HOST:PORT",
            description = "The server's metrics endpoint. Default: ${DEFAULT-VALUE}.")
    String metrics;

    @Override
    public Integer call() throws Exception {
        MetricsEndpoint endpoint = new MetricsEndpoint(metrics, "--metrics");
        List<Sample> samples = endpoint.samples();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("superquic at %s%n", metrics);
        out.printf("  ready:               %s%n", endpoint.ready() ? "yes" : "no (draining or starting)");
        out.printf("  connections:         %.0f%n", sum(samples, "superquic_connections_active", Map.of()));
        Map<String, Double> streams = byLabel(samples, "superquic_streams_active", "service");
        out.printf("  streams:             %.0f %s%n", streams.values().stream().mapToDouble(Double::doubleValue).sum(),
                format(streams));
        out.printf("  sessions:            %.0f attached, %.0f detached%n",
                sum(samples, "superquic_sessions", Map.of("state", "attached")),
                sum(samples, "superquic_sessions", Map.of("state", "detached")));
        out.printf("  session events:      %s%n", format(byLabel(samples, "superquic_sessions_events_total", "event")));
        out.printf("  session store:       %s, node %s; errors: %s%n",
                String.join(", ", byLabel(samples, "superquic_session_store", "kind").keySet()),
                String.join(", ", byLabel(samples, "superquic_node", "node").keySet()),
                format(byLabel(samples, "superquic_session_store_errors_total", "op")));
        out.printf("  backpressure:        %.0f pauses, %.3f s paused%n",
                sum(samples, "superquic_backpressure_events_total", Map.of()),
                sum(samples, "superquic_backpressure_paused_seconds_sum", Map.of()));
        out.printf("  bytes:               %s in, %s out%n",
                bytes(sum(samples, "superquic_stream_bytes_total", Map.of("direction", "in"))),
                bytes(sum(samples, "superquic_stream_bytes_total", Map.of("direction", "out"))));
        double sent = sum(samples, "superquic_packets_total", Map.of("direction", "sent"));
        double lost = sum(samples, "superquic_packets_lost_total", Map.of());
        out.printf("  packets:             %.0f sent, %.0f received, %.0f lost (%s), %.0f retransmitted%n", sent,
                sum(samples, "superquic_packets_total", Map.of("direction", "received")), lost,
                sent > 0 ? String.format("%.2f %%", 100 * lost / sent) : "-",
                sum(samples, "superquic_packets_retransmitted_total", Map.of()));
        out.printf("  round-trip time:     %s%n", mean(samples, "superquic_path_rtt_seconds", 1e3, "ms"));
        out.printf("  packet size:         %s%n", mean(samples, "superquic_path_mtu_bytes", 1, "bytes"));
        out.printf("  store latency:       %s%n", storeLatency(samples));
        out.printf("  buffered inbound:    %s%n", bytes(sum(samples, "superquic_streams_inbound_buffered_bytes", Map.of())));
        out.printf("  handshake failures:  %s%n", format(byLabel(samples, "superquic_handshake_failures_total", "reason")));
        out.printf("  rejected frames:     %s%n", format(byLabel(samples, "superquic_frames_rejected_total", "code")));
        out.printf("  stream errors:       %s%n", format(byLabel(samples, "superquic_stream_errors_total", "code")));
        out.flush();
        return 0;
    }

    /** The mean time of each session store operation that was called, in ms, or "-" before any. */
    private static String storeLatency(List<Sample> samples) {
        Map<String, Double> counts = byLabel(samples, "superquic_session_store_latency_seconds_count", "op");
        Map<String, Double> sums = byLabel(samples, "superquic_session_store_latency_seconds_sum", "op");
        StringBuilder b = new StringBuilder();
        counts.forEach((op, count) -> {
            if (count > 0) {
                b.append(b.length() > 0 ? ", " : "").append(op).append(' ')
                        .append(String.format("%.2f ms", sums.getOrDefault(op, 0.0) / count * 1e3));
            }
        });
        return b.length() == 0 ? "-" : b + " (mean)";
    }

    /** The mean of a histogram's samples in {@code unit} (scaled by {@code scale}), or "-" before any. */
    private static String mean(List<Sample> samples, String histogram, double scale, String unit) {
        double count = sum(samples, histogram + "_count", Map.of());
        if (count == 0) {
            return "-";
        }
        double mean = sum(samples, histogram + "_sum", Map.of()) / count * scale;
        return String.format("%.2f %s mean of %.0f connection samples", mean, unit, count);
    }

    private static String format(Map<String, Double> values) {
        if (values.isEmpty() || values.values().stream().allMatch(v -> v == 0)) {
            return "none";
        }
        StringBuilder b = new StringBuilder("(");
        values.forEach((k, v) -> {
            if (v != 0) {
                b.append(b.length() > 1 ? ", " : "").append(k).append(' ').append(String.format("%.0f", v));
            }
        });
        return b.append(')').toString();
    }

    private static String bytes(double n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (n >= 1024 && u < units.length - 1) {
            n /= 1024;
            u++;
        }
        return u == 0 ? String.format("%.0f %s", n, units[u]) : String.format("%.1f %s", n, units[u]);
    }
}

package dev.superquic.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code superquic stats}: a short readable summary of a running server's metrics. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Print a summary of a running server's metrics (from its /metrics endpoint).")
final class StatsCommand implements Callable<Integer> {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+).*$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Spec
    CommandSpec spec;

    @Option(names = "--metrics", defaultValue = "127.0.0.1:9555", paramLabel = "HOST:PORT",
            description = "The server's metrics endpoint. Default: ${DEFAULT-VALUE}.")
    String metrics;

    @Override
    public Integer call() throws Exception {
        String body = fetch();
        List<Sample> samples = parse(body);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("superquic at %s%n", metrics);
        out.printf("  ready:               %s%n", fetchReady());
        out.printf("  connections:         %.0f%n", sum(samples, "superquic_connections_active", Map.of()));
        Map<String, Double> streams = byLabel(samples, "superquic_streams_active", "service");
        out.printf("  streams:             %.0f %s%n", streams.values().stream().mapToDouble(Double::doubleValue).sum(),
                format(streams));
        out.printf("  sessions:            %.0f attached, %.0f detached%n",
                sum(samples, "superquic_sessions", Map.of("state", "attached")),
                sum(samples, "superquic_sessions", Map.of("state", "detached")));
        out.printf("  session events:      %s%n", format(byLabel(samples, "superquic_sessions_events_total", "event")));
        out.printf("  backpressure:        %.0f pauses, %.3f s paused%n",
                sum(samples, "superquic_backpressure_events_total", Map.of()),
                sum(samples, "superquic_backpressure_paused_seconds_sum", Map.of()));
        out.printf("  bytes:               %s in, %s out%n",
                bytes(sum(samples, "superquic_stream_bytes_total", Map.of("direction", "in"))),
                bytes(sum(samples, "superquic_stream_bytes_total", Map.of("direction", "out"))));
        out.printf("  buffered inbound:    %s%n", bytes(sum(samples, "superquic_streams_inbound_buffered_bytes", Map.of())));
        out.printf("  handshake failures:  %s%n", format(byLabel(samples, "superquic_handshake_failures_total", "reason")));
        out.printf("  rejected frames:     %s%n", format(byLabel(samples, "superquic_frames_rejected_total", "code")));
        out.printf("  stream errors:       %s%n", format(byLabel(samples, "superquic_stream_errors_total", "code")));
        out.flush();
        return 0;
    }

    private String fetch() throws IOException, InterruptedException {
        HttpResponse<String> r = get("/metrics");
        if (r.statusCode() != 200) {
            throw new IOException("GET " + r.uri() + " answered " + r.statusCode());
        }
        return r.body();
    }

    private String fetchReady() throws IOException, InterruptedException {
        int status = get("/ready").statusCode();
        return status == 200 ? "yes" : "no (draining or starting)";
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + metrics + path);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new java.net.ConnectException("no metrics endpoint at " + metrics + " (is the server running with --metrics-port?)");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--metrics must be HOST:PORT, got '" + metrics + "'", e);
        }
    }

    /** One Prometheus text-format sample. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            try {
                samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
            } catch (NumberFormatException ignored) {
                // NaN and the like are not summarised.
            }
        }
        return samples;
    }

    static double sum(List<Sample> samples, String name, Map<String, String> match) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> match.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .mapToDouble(Sample::value).sum();
    }

    static Map<String, Double> byLabel(List<Sample> samples, String name, String label) {
        Map<String, Double> out = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals(name) && s.labels().containsKey(label))
                .forEach(s -> out.merge(s.labels().get(label), s.value(), Double::sum));
        return out;
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

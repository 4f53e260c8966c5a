package dev.superquic.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A running server's operations endpoint over HTTP: its metrics, parsed, and its readiness. */
final class MetricsEndpoint {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})?\\s+(\\S+).*$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String hostPort;
    private final String option;

    /**
     * @param hostPort where the endpoint listens
     * @param option the command-line option that gave it, named in errors
     */
    MetricsEndpoint(String hostPort, String option) {
        this.hostPort = hostPort;
        this.option = option;
    }

    /** Every sample of {@code /metrics}. */
    List<Sample> samples() throws IOException, InterruptedException {
        HttpResponse<String> r = get("/metrics");
        if (r.statusCode() != 200) {
            throw new IOException("GET " + r.uri() + " answered " + r.statusCode());
        }
        return parse(r.body());
    }

    /** Whether {@code /ready} says the server accepts connections. */
    boolean ready() throws IOException, InterruptedException {
        return get("/ready").statusCode() == 200;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri;
        try {
            uri = URI.create("http://" + hostPort + path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be HOST:PORT, got '" + hostPort + "'", e);
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new java.net.ConnectException("no metrics endpoint at " + hostPort
                    + " (is the server running with --metrics-port?)");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be HOST:PORT, got '" + hostPort + "'", e);
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

    /** The sum of the samples named {@code name} whose labels include {@code match}. */
    static double sum(List<Sample> samples, String name, Map<String, String> match) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> match.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .mapToDouble(Sample::value).sum();
    }

    /** The samples named {@code name}, summed by the value of their {@code label}. */
    static Map<String, Double> byLabel(List<Sample> samples, String name, String label) {
        Map<String, Double> out = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals(name) && s.labels().containsKey(label))
                .forEach(s -> out.merge(s.labels().get(label), s.value(), Double::sum));
        return out;
    }

    /**
     * A remote server's heap in use (no GC forced, so garbage not yet collected counts too), Netty
     * direct memory and resident set, read from this endpoint; zeros for what it does not report.
     */
    java.util.function.Supplier<long[]> serverMemory() {
        return () -> {
            try {
                List<Sample> s = samples();
                return new long[] {(long) sum(s, "jvm_memory_used_bytes", Map.of("area", "heap")),
                        (long) sum(s, "superquic_netty_direct_memory_bytes", Map.of()),
                        (long) sum(s, "superquic_process_resident_memory_bytes", Map.of())};
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the server's metrics", e);
            }
        };
    }
}

package dev.superquic.bench;

import dev.superquic.json.JsonFrames;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Tables for people and JSON for machines. */
public final class Report {
    private Report() {
    }

    /** One row per result: scenario, target, then its figures. */
    public static String table(List<BenchResult> results) {
        StringBuilder b = new StringBuilder();
        for (BenchResult r : results) {
            b.append(String.format("%-20s %-10s", r.scenario(), r.target()));
            r.figures().forEach((k, v) -> b.append(String.format("  %s %s", k, number(v))));
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * Medians (and min..max) over rounds for each scenario, target and figure, plus superquic's
     * ratio to each baseline.
     */
    public static List<Summary> summarize(List<BenchResult> results) {
        Map<String, Map<String, List<BenchResult>>> byScenario = new LinkedHashMap<>();
        for (BenchResult r : results) {
            byScenario.computeIfAbsent(r.scenario(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.target(), k -> new ArrayList<>()).add(r);
        }
        List<Summary> out = new ArrayList<>();
        byScenario.forEach((scenario, byTarget) -> {
            // Every figure any target reported; a target without a figure has no cell for it.
            Set<String> figures = new LinkedHashSet<>();
            byTarget.values().forEach(runs -> runs.forEach(r -> figures.addAll(r.figures().keySet())));
            for (String figure : figures) {
                Map<String, double[]> stats = new LinkedHashMap<>();
                byTarget.forEach((target, runs) -> {
                    double[] st = stats(runs, figure);
                    if (st != null) {
                        stats.put(target, st);
                    }
                });
                Map<String, Double> ratios = new LinkedHashMap<>();
                double[] mine = stats.get("superquic");
                if (mine != null) {
                    stats.forEach((target, st) -> {
                        if (!target.equals("superquic") && st[0] != 0) {
                            ratios.put("superquic/" + target, mine[0] / st[0]);
                        }
                    });
                }
                out.add(new Summary(scenario, figure, stats, ratios));
            }
        });
        return out;
    }

    /** Median, min, max and count of a figure over runs; null when no run has it. */
    private static double[] stats(List<BenchResult> runs, String figure) {
        double[] v = runs.stream().mapToDouble(r -> r.figure(figure)).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return new double[] {median, v[0], v[v.length - 1], v.length};
    }

    /**
     * Medians of one figure per target, with their spread and superquic's ratios.
     *
     * @param scenario scenario name
     * @param figure figure name
     * @param stats per target: median, min, max, rounds
     * @param ratios superquic's median divided by each baseline's
     */
    public record Summary(String scenario, String figure, Map<String, double[]> stats, Map<String, Double> ratios) {
    }

    /** The comparison table: a column per target (superquic first), then the ratios. */
    public static String comparison(List<Summary> summaries) {
        Set<String> seen = new LinkedHashSet<>();
        summaries.forEach(s -> seen.addAll(s.stats().keySet()));
        // superquic and the usual baselines in a fixed order, then anything else as it came.
        Set<String> targets = new LinkedHashSet<>(List.of("superquic", "raw-quic", "raw-quic-tuned", "tcp-tls"));
        targets.retainAll(seen);
        targets.addAll(seen);
        // Columns as wide as their longest entry, so that long scenario and figure names stay aligned.
        String firstColumns = "%-" + width(summaries.stream().map(Summary::scenario), "scenario") + "s %-"
                + width(summaries.stream().map(Summary::figure), "figure") + "s";
        StringBuilder b = new StringBuilder(String.format(firstColumns, "scenario", "figure"));
        targets.forEach(t -> b.append(String.format(" %-26s", t)));
        b.append(" ratios").append(System.lineSeparator());
        for (Summary s : summaries) {
            b.append(String.format(firstColumns, s.scenario(), s.figure()));
            targets.forEach(t -> b.append(String.format(" %-26s", cell(s.stats().get(t)))));
            b.append(' ').append(s.ratios().entrySet().stream()
                    .map(e -> e.getKey() + "=" + String.format("%.2f", e.getValue()))
                    .collect(Collectors.joining(" "))).append(System.lineSeparator());
        }
        return b.toString();
    }

    private static int width(java.util.stream.Stream<String> entries, String header) {
        return Math.max(header.length(), entries.mapToInt(String::length).max().orElse(0));
    }

    private static String cell(double[] s) {
        if (s == null) {
            return "-";
        }
        return number(s[0]) + " (" + number(s[1]) + ".." + number(s[2]) + ")";
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
    }

    /**
     * The runs recorded in a file that {@link #writeJson} wrote, so that several runs of a
     * scenario or compare can be summarized together.
     *
     * @throws IOException when the file cannot be read or is not such a file
     */
    public static List<BenchResult> readResults(Path file) throws IOException {
        JsonNode results;
        try {
            results = JsonFrames.mapper().readTree(file.toFile()).path("results");
        } catch (JacksonException e) {
            throw new IOException(file + " is not JSON: " + e.getOriginalMessage(), e);
        }
        if (!results.isArray()) {
            throw new IOException(file + " has no \"results\" list: not written by bench --json");
        }
        List<BenchResult> out = new ArrayList<>();
        for (JsonNode r : results) {
            Map<String, Double> figures = new LinkedHashMap<>();
            r.path("figures").properties().forEach(e -> figures.put(e.getKey(), e.getValue().asDouble(Double.NaN)));
            if (!r.path("scenario").isTextual() || !r.path("target").isTextual() || figures.isEmpty()) {
                throw new IOException(file + ": a result without scenario, target or figures: " + r);
            }
            out.add(new BenchResult(r.get("scenario").asText(), r.get("target").asText(), figures));
        }
        return out;
    }

    /** Writes everything as JSON. */
    public static void writeJson(Path file, Map<String, Object> context, List<BenchResult> results,
                                 List<Summary> summaries) throws IOException {
        ObjectNode root = JsonFrames.mapper().createObjectNode();
        root.set("context", JsonFrames.mapper().valueToTree(context));
        ArrayNode rs = root.putArray("results");
        for (BenchResult r : results) {
            ObjectNode n = rs.addObject().put("scenario", r.scenario()).put("target", r.target());
            r.figures().forEach((k, v) -> n.with("figures").put(k, v));
        }
        ArrayNode ss = root.putArray("comparison");
        for (Summary s : summaries) {
            ObjectNode n = ss.addObject().put("scenario", s.scenario()).put("figure", s.figure());
            s.stats().forEach((target, st) -> n.with("targets").putObject(target).put("median", st[0])
                    .put("min", st[1]).put("max", st[2]).put("rounds", (int) st[3]));
            s.ratios().forEach((k, v) -> n.with("ratios").put(k, v));
        }
        Files.writeString(file, JsonFrames.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}

package dev.superquic.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured figure set: a scenario run against a target.
 *
 * @param scenario scenario name
 * @param target target name
 * @param figures named numbers in report order (units are in the names)
 */
public record BenchResult(String scenario, String target, Map<String, Double> figures) {
    /** Copies the figures, keeping their order. */
    public BenchResult {
        figures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }

    /** This result with one more figure (or one replaced), added last. */
    public BenchResult with(String figure, double value) {
        Map<String, Double> f = new LinkedHashMap<>(figures);
        f.remove(figure);
        f.put(figure, value);
        return new BenchResult(scenario, target, f);
    }

    /** A figure, or NaN when absent. */
    public double figure(String name) {
        return figures.getOrDefault(name, Double.NaN);
    }
}

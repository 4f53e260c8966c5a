package dev.superquic.bench;

import dev.superquic.bench.Scenarios.Direction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * The same scenarios against several targets in alternating rounds, so that a slow or fast moment
 * of a shared machine does not fall on one target only: throughput up and down, the same over
 * many streams of one connection (with each run's rate over the same round's single run), rpc and
 * connect.
 */
public final class Compare {
    /** The most streams a many-streams run may use: what the raw QUIC baselines grant. */
    public static final int MAX_MANY_STREAMS = 100;

    private Compare() {
    }

    /**
     * Runs one unrecorded round (it lets the JIT compile every target's code paths, which otherwise
     * takes seconds and falls on whichever target runs first), then {@code rounds} recorded ones,
     * rotating the order of the targets each round.
     *
     * @param targets the targets, superquic first by convention
     * @param multiplexing which targets carry many streams on one connection; only those run the
     *     many-streams throughput (TCP + TLS would need a connection per stream)
     * @param manyStreams streams of the many-streams runs, 0 for none, at most {@link #MAX_MANY_STREAMS}
     * @param rounds recorded rounds, at least 1
     * @param o the options of every run; the many-streams runs use one connection of {@code manyStreams}
     * @return every recorded result, in the order run
     * @throws Exception when a run fails
     */
    public static List<BenchResult> run(List<? extends Target> targets, Predicate<Target> multiplexing, int manyStreams,
                                        int rounds, BenchOptions o) throws Exception {
        if (manyStreams < 0 || manyStreams > MAX_MANY_STREAMS) {
            throw new IllegalArgumentException("many streams must be 0.." + MAX_MANY_STREAMS + " (got " + manyStreams + ")");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1 (got " + rounds + ")");
        }
        BenchOptions many = manyStreams > 0 ? o.onOneConnection(manyStreams) : null;
        List<BenchResult> results = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            List<Target> order = new ArrayList<>(targets);
            Collections.rotate(order, round);
            List<BenchResult> sink = round == 0 ? new ArrayList<>() : results;
            for (Target t : order) {
                for (Direction direction : Direction.values()) {
                    BenchResult base = Scenarios.throughput(t, direction, o);
                    sink.add(base);
                    if (many != null && multiplexing.test(t)) {
                        sink.add(scaled(Scenarios.throughput(t, direction, many), base));
                    }
                }
                sink.add(Scenarios.rpc(t, o));
                sink.add(Scenarios.connect(t, o));
            }
        }
        return results;
    }

    /**
     * {@code many} with one more figure: its MB/s over {@code base}'s, both of the same target and
     * round ("x 1 stream" when the base run had one stream). Left out when the base moved nothing.
     */
    static BenchResult scaled(BenchResult many, BenchResult base) {
        double baseRate = base.figure("MB/s");
        if (!(baseRate > 0)) {
            return many;
        }
        long baseStreams = Math.round(base.figure("streams"));
        return many.with("x " + baseStreams + (baseStreams == 1 ? " stream" : " streams"), many.figure("MB/s") / baseRate);
    }
}

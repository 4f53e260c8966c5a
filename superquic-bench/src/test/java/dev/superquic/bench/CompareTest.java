package dev.superquic.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** How compare runs its rounds: which runs each target gets, in what order, and the many-streams figure. */
class CompareTest {
    private static final BenchOptions QUICK = new BenchOptions(1, 1, 64, Duration.ofMillis(20), Duration.ZERO, Duration.ofMillis(100),
            1, 1, line -> { });

    /** Each stream moves 1000 bytes a millisecond, so N streams move about N times one stream. */
    private static final FakeTarget.Work PACED = (stop, report) -> {
        while (!stop.getAsBoolean()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            report.accept(1000);
        }
    };

    @Test
    void manyStreamsRunOnMultiplexingTargetsAndAreSetAgainstTheSameRoundsSingleStream() throws Exception {
        FakeTarget superquic = new FakeTarget("superquic", PACED);
        FakeTarget raw = new FakeTarget("raw", PACED);
        FakeTarget tcp = new FakeTarget("tcp", PACED);

        List<BenchResult> results = Compare.run(List.of(superquic, raw, tcp), t -> t != tcp, 4, 1, QUICK);

        // The recorded round is the first after the unrecorded one: its order is rotated by one.
        assertThat(results).extracting(r -> r.target() + " " + r.scenario()).containsExactly(
                "tcp throughput-upload", "tcp throughput-download", "tcp rpc", "tcp connect-x1",
                "superquic throughput-upload", "superquic throughput-upload-x4",
                "superquic throughput-download", "superquic throughput-download-x4", "superquic rpc", "superquic connect-x1",
                "raw throughput-upload", "raw throughput-upload-x4",
                "raw throughput-download", "raw throughput-download-x4", "raw rpc", "raw connect-x1");
        for (BenchResult many : results.stream().filter(r -> r.scenario().endsWith("-x4")).toList()) {
            assertThat(many.figure("streams")).isEqualTo(4);
            // Four paced streams against one: about 4, whatever the machine's speed; the bounds leave
            // room for a pause in either window, and still tell an inverted or self-relative figure.
            assertThat(many.figure("x 1 stream")).as(many.target() + " " + many.scenario()).isBetween(1.5, 8.0);
        }
        assertThat(results).filteredOn(r -> !r.scenario().endsWith("-x4"))
                .allSatisfy(r -> assertThat(r.figures()).doesNotContainKey("x 1 stream"));
        // The figure is summarized like any other, with superquic's ratio to the baseline.
        assertThat(Report.summarize(results)).filteredOn(s -> s.figure().equals("x 1 stream"))
                .hasSize(2).allSatisfy(s -> assertThat(s.ratios()).containsKey("superquic/raw"));
    }

    @Test
    void noManyStreamsRunsWhenAskedForNone() throws Exception {
        List<BenchResult> results = Compare.run(List.of(new FakeTarget("superquic", PACED)), t -> true, 0, 1, QUICK);

        assertThat(results).extracting(BenchResult::scenario)
                .containsExactly("throughput-upload", "throughput-download", "rpc", "connect-x1");
    }

    @Test
    void aBaseRunThatMovedNothingGivesNoRatio() {
        BenchResult many = new BenchResult("throughput-upload-x4", "raw", java.util.Map.of("MB/s", 8.0, "streams", 4.0));
        BenchResult idle = new BenchResult("throughput-upload", "raw", java.util.Map.of("MB/s", 0.0, "streams", 1.0));
        BenchResult base = new BenchResult("throughput-upload", "raw", java.util.Map.of("MB/s", 2.0, "streams", 1.0));

        assertThat(Compare.scaled(many, idle).figures()).doesNotContainKey("x 1 stream");
        assertThat(Compare.scaled(many, base).figure("x 1 stream")).isEqualTo(4.0);
    }

    @Test
    void moreStreamsThanTheBaselinesGrantAreRefused() {
        assertThatThrownBy(() -> Compare.run(List.of(new FakeTarget("superquic", PACED)), t -> true, 101, 1, QUICK))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..100");
    }
}

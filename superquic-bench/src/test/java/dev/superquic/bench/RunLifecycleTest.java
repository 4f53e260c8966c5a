package dev.superquic.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How a run starts and ends: the warm-up and the measured window start only once every worker
 * has set up, and a run that ends early stops all of its workers.
 */
class RunLifecycleTest {
    /** Longer than warm-up and window together: measured from the start, nothing would count. */
    private static final Duration SET_UP = Duration.ofMillis(400);

    @Test
    void setUpLongerThanTheWindowIsNotMeasured() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        BenchOptions o = new BenchOptions(2, 1, 64, Duration.ofMillis(50), Duration.ZERO, Duration.ofMillis(100), 1, 1, progress::add);
        ExecutorService loop = Executors.newSingleThreadExecutor();
        // Set-up takes SET_UP (simulated: it is what is being measured around); then each worker
        // reports from one shared thread, as the raw baselines report from their event loop.
        try (FakeTarget target = new FakeTarget("fake", (stop, report) -> {
            Thread.sleep(SET_UP);
            while (!stop.getAsBoolean()) {
                loop.submit(() -> report.accept(1000)).get(5, TimeUnit.SECONDS);
            }
        })) {
            BenchResult up = Scenarios.throughput(target, Scenarios.Direction.UPLOAD, o);
            assertThat(up.figure("MB/s")).isPositive();
            BenchResult rpc = Scenarios.rpc(target, o);
            assertThat(rpc.figure("req/s")).isPositive();
        } finally {
            loop.shutdownNow();
        }
        // Both workers were seen to start, though they report from one thread.
        assertThat(progress).isNotEmpty().noneMatch(line -> line.contains("warming up anyway"));
    }

    @Test
    void aFailingWorkerEndsTheRunAndStopsTheOthers() {
        BenchOptions o = new BenchOptions(2, 1, 64, Duration.ofMillis(50), Duration.ZERO, Duration.ofSeconds(30), 1, 1, line -> { });
        CountDownLatch othersStopped = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        // The first worker fails after one report; the other works until it is told to stop.
        FakeTarget target = new FakeTarget("fake", (stop, report) -> {
            boolean fails = started.getAndIncrement() == 0;
            report.accept(1000);
            if (fails) {
                throw new IOException("worker failed on purpose");
            }
            while (!stop.getAsBoolean()) {
                report.accept(1000);
                Thread.onSpinWait();
            }
            othersStopped.countDown();
        });
        // Before the fix the run never returned: the pool's close waited for the other worker,
        // which was never told to stop.
        Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> catchThrowable(() -> Scenarios.throughput(target, Scenarios.Direction.UPLOAD, o)));
        assertThat(failure).hasMessageContaining("worker failed on purpose");
        assertThat(othersStopped.getCount()).isZero();
    }
}

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
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
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
        BenchOptions o = new BenchOptions(2, 1, 64, Duration.ofMillis(50), Duration.ofMillis(100), 1, 1, progress::add);
        try (SlowSetUpTarget target = new SlowSetUpTarget()) {
            BenchResult up = Scenarios.throughput(target, Scenarios.Direction.UPLOAD, o);
            assertThat(up.figure("MB/s")).isPositive();
            BenchResult rpc = Scenarios.rpc(target, o);
            assertThat(rpc.figure("req/s")).isPositive();
        }
        // Both workers were seen to start, though they report from one thread.
        assertThat(progress).isNotEmpty().noneMatch(line -> line.contains("warming up anyway"));
    }

    @Test
    void aFailingWorkerEndsTheRunAndStopsTheOthers() {
        BenchOptions o = new BenchOptions(2, 1, 64, Duration.ofMillis(50), Duration.ofSeconds(30), 1, 1, line -> { });
        CountDownLatch othersStopped = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        Target target = new OneFailingWorkerTarget(started, othersStopped);
        // Before the fix the run never returned: the pool's close waited for the other worker,
        // which was never told to stop.
        Throwable failure = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> catchThrowable(() -> Scenarios.throughput(target, Scenarios.Direction.UPLOAD, o)));
        assertThat(failure).hasMessageContaining("worker failed on purpose");
        assertThat(othersStopped.getCount()).isZero();
    }

    /** Of two upload workers, the first fails after one report; the second works until stopped. */
    private record OneFailingWorkerTarget(AtomicInteger started, CountDownLatch othersStopped) implements Target {
        @Override
        public String name() {
            return "one-failing";
        }

        @Override
        public Connection connect() {
            return new Connection() {
                @Override
                public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
                    boolean fails = started.getAndIncrement() == 0;
                    accepted.accept(1000);
                    if (fails) {
                        throw new IOException("worker failed on purpose");
                    }
                    while (!stop.getAsBoolean()) {
                        accepted.accept(1000);
                        Thread.onSpinWait();
                    }
                    othersStopped.countDown();
                }

                @Override
                public void download(BooleanSupplier stop, LongConsumer received) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void firstByte() {
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
        }
    }

    /**
     * Streams that take {@link #SET_UP} before their first unit of work, then report from one
     * shared thread, as the raw baselines report from their event loop.
     */
    private static final class SlowSetUpTarget implements Target {
        private final ExecutorService loop = Executors.newSingleThreadExecutor();

        @Override
        public String name() {
            return "slow-set-up";
        }

        @Override
        public Connection connect() {
            return new Connection() {
                @Override
                public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
                    work(stop, accepted, 1000);
                }

                @Override
                public void download(BooleanSupplier stop, LongConsumer received) throws Exception {
                    work(stop, received, 1000);
                }

                @Override
                public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception {
                    work(stop, roundTripNanos, 1000);
                }

                @Override
                public void firstByte() {
                }

                @Override
                public void close() {
                }
            };
        }

        /** Sets up for {@link #SET_UP} (simulated: it is what is being measured around), then reports. */
        private void work(BooleanSupplier stop, LongConsumer report, long value) throws Exception {
            Thread.sleep(SET_UP);
            while (!stop.getAsBoolean()) {
                loop.submit(() -> report.accept(value)).get(5, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() {
            loop.shutdownNow();
        }
    }
}

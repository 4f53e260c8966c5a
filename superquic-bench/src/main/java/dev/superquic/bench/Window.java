package dev.superquic.bench;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measurement window of one run: workers report everything, but only what happens between
 * the end of the warm-up and the stop counts.
 */
final class Window {
    private final LongAdder total = new LongAdder();
    private final LongAdder measured = new LongAdder();
    private final Recorder latencies = new Recorder(3);
    private volatile boolean measuring;
    private volatile boolean stopped;

    void count(long n) {
        total.add(n);
        if (measuring) {
            measured.add(n);
        }
    }

    void latency(long nanos) {
        total.increment();
        if (measuring) {
            measured.increment();
            latencies.recordValue(nanos);
        }
    }

    long total() {
        return total.sum();
    }

    long measured() {
        return measured.sum();
    }

    boolean stopped() {
        return stopped;
    }

    void startMeasuring() {
        latencies.reset();
        measuring = true;
    }

    void stop() {
        measuring = false;
        stopped = true;
    }

    Histogram histogram() {
        return latencies.getIntervalHistogram();
    }
}

package dev.superquic.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
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
    private long cpuAtStart;
    private long cpuMeasured = -1;
    private Map<String, Long> loopCpuAtStart = Map.of();
    private long startedAt;
    private final Map<String, Double> loopBusy = new TreeMap<>();

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
        cpuAtStart = processCpuNanos();
        loopCpuAtStart = serverLoopCpuNanos();
        startedAt = System.nanoTime();
        measuring = true;
    }

    void stop() {
        measuring = false;
        stopped = true;
        long now = processCpuNanos();
        cpuMeasured = now < 0 || cpuAtStart < 0 ? -1 : now - cpuAtStart;
        double elapsed = System.nanoTime() - startedAt;
        serverLoopCpuNanos().forEach((name, cpu) -> {
            Long before = loopCpuAtStart.get(name);
            if (before != null) {
                loopBusy.put(name, 100.0 * (cpu - before) / elapsed);
            }
        });
    }

    /**
     * How busy each event loop of a server in this process was while measuring (% of one core),
     * by thread name: shows whether connections spread over the loops ({@code --io-threads}).
     */
    Map<String, Double> serverLoopBusy() {
        return loopBusy;
    }

    /** CPU time of the threads of superquic servers' event loops in this process, by name. */
    private static Map<String, Long> serverLoopCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> cpu = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("superquic-io-")) {
                long nanos = mx.getThreadCpuTime(t.threadId());
                if (nanos >= 0) {
                    cpu.put(t.getName(), nanos);
                }
            }
        }
        return cpu;
    }

    /**
     * CPU time this process used while measuring (every thread: with a server in the process,
     * both ends), or -1 where the JVM cannot tell. Per unit of work it says what a result cost,
     * which a rate alone does not: a rate also rises when more CPU happened to be free.
     */
    long cpuNanos() {
        return cpuMeasured;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    Histogram histogram() {
        return latencies.getIntervalHistogram();
    }
}

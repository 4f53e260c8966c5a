package dev.superquic.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measurement window of one run: workers report everything, but only what happens between
 * the end of the warm-up and the stop counts. Each worker reports through a {@link Worker} of
 * its own (from any thread: the baselines report from their event loops), which lets the window
 * tell when every worker has done its first unit of work (its connection and stream are set up):
 * the warm-up starts from there.
 */
final class Window {
    private volatile CountDownLatch workersStarting = new CountDownLatch(0);
    private final LongAdder total = new LongAdder();
    private final LongAdder measured = new LongAdder();
    private final Recorder latencies = new Recorder(3);
    private volatile boolean measuring;
    private volatile boolean stopped;
    private long cpuAtStart;
    private long cpuMeasured = -1;
    private Map<String, Long> threadCpuAtStart = Map.of();
    private long startedAt;
    private final Map<String, Double> loopBusy = new TreeMap<>();
    private final Map<ThreadRole, Long> cpuByRole = new EnumMap<>(ThreadRole.class);
    private double jitShare;

    /** What a thread of the process does, told by its name. */
    enum ThreadRole {
        /** Event loops of local servers: superquic's and the baselines'. */
        SERVER_LOOP("server loop"),
        /** Event loops of the clients. */
        CLIENT_LOOP("client loop"),
        /** Carriers of virtual threads: services, the bench's workers, the clients' callers. */
        VIRTUAL_THREADS("virtual threads");

        final String label;

        ThreadRole(String label) {
            this.label = label;
        }

        static ThreadRole of(String threadName) {
            if (threadName.startsWith("superquic-io-") || threadName.contains("-server")) {
                return SERVER_LOOP;
            }
            if (threadName.startsWith("superquic-client") || threadName.contains("-client")) {
                return CLIENT_LOOP;
            }
            if (threadName.startsWith("ForkJoinPool-")) {
                return VIRTUAL_THREADS;
            }
            return null;
        }
    }

    /** One worker's reporting handle: its first report tells the window that it is set up. */
    final class Worker {
        private final AtomicBoolean reported = new AtomicBoolean();

        /** Any thread: {@code n} units of work done (bytes, say). */
        void count(long n) {
            started();
            Window.this.count(n);
        }

        /** Any thread: one operation done, which took {@code nanos}. */
        void latency(long nanos) {
            started();
            Window.this.latency(nanos);
        }

        private void started() {
            if (!reported.get() && reported.compareAndSet(false, true)) {
                workersStarting.countDown();
            }
        }
    }

    /** A reporting handle for one more worker. */
    Worker worker() {
        return new Worker();
    }

    /** Before the workers start: how many there are (each reports through its own {@link Worker}). */
    void expectWorkers(int n) {
        workersStarting = new CountDownLatch(n);
    }

    /** Waits until every expected worker has reported work, or the timeout passed. */
    boolean awaitWorkersStarted(long timeout, TimeUnit unit) throws InterruptedException {
        return workersStarting.await(timeout, unit);
    }

    /** How many expected workers have not reported any work yet. */
    long workersNotStarted() {
        return workersStarting.getCount();
    }

    private void count(long n) {
        total.add(n);
        if (measuring) {
            measured.add(n);
        }
    }

    private void latency(long nanos) {
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

    /** Whether the measured window has begun (and work now counts). */
    boolean measuring() {
        return measuring;
    }

    boolean stopped() {
        return stopped;
    }

    void startMeasuring() {
        latencies.reset();
        cpuAtStart = processCpuNanos();
        threadCpuAtStart = threadCpuNanos();
        startedAt = System.nanoTime();
        measuring = true;
    }

    /** Tells the workers to stop, without recording anything (a run that ends early). */
    void halt() {
        measuring = false;
        stopped = true;
    }

    void stop() {
        halt();
        long now = processCpuNanos();
        cpuMeasured = now < 0 || cpuAtStart < 0 ? -1 : now - cpuAtStart;
        double elapsed = System.nanoTime() - startedAt;
        threadCpuNanos().forEach((name, cpu) -> {
            long used = cpu - threadCpuAtStart.getOrDefault(name, 0L);
            if (name.startsWith("superquic-io-") && threadCpuAtStart.containsKey(name)) {
                loopBusy.put(name, 100.0 * used / elapsed);
            }
            ThreadRole role = ThreadRole.of(name);
            if (role != null) {
                cpuByRole.merge(role, used, Long::sum);
            }
        });
    }

    /**
     * CPU time used while measuring by the threads of each role, where the JVM tells thread CPU
     * time: shows which side and which layer a result's CPU went to.
     */
    Map<ThreadRole, Long> cpuNanosByRole() {
        return cpuByRole;
    }

    /**
     * How busy each event loop of a server in this process was while measuring (% of one core),
     * by thread name: shows whether connections spread over the loops ({@code --io-threads}).
     */
    Map<String, Double> serverLoopBusy() {
        return loopBusy;
    }

    /** Records the share of the measured time that the JIT compilers spent compiling. */
    void jitShare(double share) {
        jitShare = share;
    }

    /** The share of the measured time that the JIT compilers spent compiling (1.0: one thread all along). */
    double jitShare() {
        return jitShare;
    }

    /** CPU time of every platform thread of this process, by name (names are unique here). */
    private static Map<String, Long> threadCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> cpu = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.isVirtual()) {
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

package dev.superquic.bench;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.ops.ProcessMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The benchmark scenarios. Each runs workers on virtual threads, warms up, measures for the
 * set duration and returns figures; warm-up traffic is never counted.
 */
public final class Scenarios {
    private static final double MB = 1_000_000.0;
    /** The longest that the jobs of a run may take to set up before the warm-up starts anyway. */
    private static final Duration SET_UP_LIMIT = Duration.ofSeconds(30);
    /** The shortest interval a progress line reports a rate over. */
    private static final long PROGRESS_MIN_NANOS = 100_000_000L;
    /** How often a warm-up past its set time looks at the JIT again. */
    private static final long JIT_LOOK_MILLIS = 500;
    /** How long the jobs of a run that ends early get to stop before they are interrupted. */
    private static final Duration JOB_STOP_WAIT = Duration.ofSeconds(10);

    private Scenarios() {
    }

    /** Direction of bulk transfer. */
    public enum Direction {
        /** Client to server (discard). */
        UPLOAD,
        /** Server to client (generate). */
        DOWNLOAD
    }

    /** Bulk transfer over {@code connections} x {@code streams}; MB/s (10^6 bytes per second). */
    public static BenchResult throughput(Target target, Direction direction, BenchOptions o) throws Exception {
        Window w = new Window();
        List<Target.Connection> conns = open(target, o.connections());
        try {
            List<Runnable> jobs = perStream(conns, o, w, (c, worker) -> {
                if (direction == Direction.UPLOAD) {
                    c.upload(w::stopped, worker::count);
                } else {
                    c.download(w::stopped, worker::count);
                }
            });
            double seconds = run(jobs, w, o, "throughput " + direction.name().toLowerCase() + " " + target.name(),
                    (total, dt) -> String.format("%.1f MB/s", total / MB / dt));
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("MB/s", w.measured() / MB / seconds);
            f.put("streams", (double) o.connections() * o.streams());
            putCpu(f, "CPU us/MB", w, w.measured() / MB);
            putLoops(f, w);
            // The packet size in use at the end: the configured one, or what discovery found.
            conns.getFirst().stats().ifPresent(s -> f.put("UDP payload bytes", (double) s.udpPayload()));
            return new BenchResult(perStreams("throughput-" + direction.name().toLowerCase(), o), target.name(), f);
        } finally {
            conns.forEach(Target.Connection::close);
        }
    }

    /** Request/response of {@code size} bytes on every stream; requests/s and latency percentiles. */
    public static BenchResult rpc(Target target, BenchOptions o) throws Exception {
        Window w = new Window();
        List<Target.Connection> conns = open(target, o.connections());
        try {
            List<Runnable> jobs = perStream(conns, o, w,
                    (c, worker) -> c.pingPong(o.size(), w::stopped, worker::latency));
            double seconds = run(jobs, w, o, "rpc " + target.name(),
                    (total, dt) -> String.format("%.0f req/s", total / dt));
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("req/s", w.measured() / seconds);
            f.putAll(percentiles(w.histogram()));
            putCpu(f, "CPU us/req", w, w.measured());
            return new BenchResult(perStreams("rpc", o), target.name(), f);
        } finally {
            conns.forEach(Target.Connection::close);
        }
    }

    /**
     * Head-of-line blocking: round trips of {@code size} bytes on one stream while another stream
     * of the same connection moves bulk data in {@code direction}. Figures: the round trips' rate
     * and latency, and the bulk stream's MB/s. Over QUIC the streams share only the congestion
     * window: a lost packet delays the stream it carried. Over one TCP connection (gRPC) a lost
     * packet holds up every stream behind it, and the round trips queue behind bulk data in the
     * socket buffers. The TCP + TLS baseline opens a connection per stream, so it shows neither.
     */
    public static BenchResult headOfLine(Target target, Direction direction, BenchOptions o) throws Exception {
        Window w = new Window();
        LongAdder bulkBytes = new LongAdder();
        Target.Connection c = target.connect();
        try {
            Window.Worker bulk = w.worker();
            Window.Worker rpc = w.worker();
            java.util.function.LongConsumer bulkMeter = n -> {
                bulk.count(0); // tells the window that the bulk stream is up, without counting as round trips
                if (w.measuring()) {
                    bulkBytes.add(n);
                }
            };
            List<Runnable> jobs = List.of(
                    () -> unchecked(() -> {
                        if (direction == Direction.UPLOAD) {
                            c.upload(w::stopped, bulkMeter);
                        } else {
                            c.download(w::stopped, bulkMeter);
                        }
                    }),
                    () -> unchecked(() -> c.pingPong(o.size(), w::stopped, rpc::latency)));
            double seconds = run(jobs, w, o, "hol " + direction.name().toLowerCase() + " " + target.name(),
                    (total, dt) -> String.format("%.0f req/s", total / dt));
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("req/s", w.measured() / seconds);
            f.putAll(percentiles(w.histogram()));
            f.put("bulk MB/s", bulkBytes.sum() / MB / seconds);
            return new BenchResult("hol-" + direction.name().toLowerCase(), target.name(), f);
        } finally {
            c.close();
        }
    }

    /**
     * The scenario's name, with "-xN" for N streams in all when there is more than one, so that
     * runs over different numbers of streams are summarized apart.
     */
    static String perStreams(String scenario, BenchOptions o) {
        long streams = (long) o.connections() * o.streams();
        return streams == 1 ? scenario : scenario + "-x" + streams;
    }

    /**
     * New connections (with a session, for superquic) each opening one stream for a one-byte
     * round trip, {@code concurrency} at a time; connections/s and time to first byte.
     */
    public static BenchResult connect(Target target, BenchOptions o) throws Exception {
        Window w = new Window();
        List<Runnable> jobs = new ArrayList<>();
        for (int i = 0; i < o.concurrency(); i++) {
            Window.Worker worker = w.worker();
            jobs.add(() -> {
                while (!w.stopped()) {
                    long start = System.nanoTime();
                    unchecked(() -> {
                        try (Target.Connection c = target.connect()) {
                            c.firstByte();
                            worker.latency(System.nanoTime() - start);
                        }
                    });
                }
            });
        }
        double seconds = run(jobs, w, o, "connect x" + o.concurrency() + " " + target.name(),
                (total, dt) -> String.format("%.0f conn/s", total / dt));
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("conn/s", w.measured() / seconds);
        percentiles(w.histogram()).forEach((k, v) -> f.put("ttfb " + k, v));
        putCpu(f, "CPU us/conn", w, w.measured());
        return new BenchResult("connect-x" + o.concurrency(), target.name(), f);
    }

    /**
     * Drop the connection and resume the session, repeatedly: each round closes the connection
     * (the session detaches) and connects again with the token. Resume latency = connect + resume.
     */
    public static BenchResult resume(SuperQuicClient client, BenchOptions o) throws Exception {
        Window w = new Window();
        LongAdder notResumed = new LongAdder();
        // The first connect creates the session and stores its token in the client's token store.
        client.connect().close();
        Window.Worker worker = w.worker();
        List<Runnable> jobs = List.of(() -> {
            while (!w.stopped()) {
                long start = System.nanoTime();
                unchecked(() -> {
                    ClientSession s = client.connect();
                    long elapsed = System.nanoTime() - start;
                    if (s.lastEvent().resumed()) {
                        worker.latency(elapsed);
                    } else {
                        notResumed.increment();
                    }
                    s.close();
                });
            }
        });
        double seconds = run(jobs, w, o, "resume superquic", (total, dt) -> String.format("%.0f resumes/s", total / dt));
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("resumes/s", w.measured() / seconds);
        f.putAll(percentiles(w.histogram()));
        f.put("not resumed", (double) notResumed.sum());
        return new BenchResult("resume", "superquic", f);
    }

    /**
     * Opens {@code idleConnections} sessions and holds them; reports the memory they cost per
     * connection (heap after GC, Netty's pooled direct memory, process RSS) as seen by
     * {@code memory} (zeros leave the figures out, for a remote server). With a server in this
     * process the figures include the client's side of each connection.
     */
    public static BenchResult idle(SuperQuicClient client, BenchOptions o, java.util.function.Supplier<long[]> memory)
            throws Exception {
        long[] before = memory.get();
        List<ClientSession> sessions = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < o.idleConnections(); i++) {
                sessions.add(client.connect());
                if ((i + 1) % 500 == 0) {
                    o.progress().accept(String.format("idle superquic: %d connections with sessions open", i + 1));
                }
            }
            double openSeconds = (System.nanoTime() - start) / 1e9;
            o.progress().accept(String.format("idle superquic: holding %d connections for %d s",
                    sessions.size(), o.duration().toSeconds()));
            Thread.sleep(o.duration().toMillis());
            long[] after = memory.get();
            int n = sessions.size();
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("connections", (double) n);
            f.put("open/s", n / openSeconds);
            if (after[0] > 0) {
                f.put("heap KiB/conn", (after[0] - before[0]) / 1024.0 / n);
                f.put("netty direct KiB/conn", (after[1] - before[1]) / 1024.0 / n);
            }
            if (after[2] > 0) {
                f.put("process RSS KiB/conn", (after[2] - before[2]) / 1024.0 / n);
            }
            return new BenchResult("idle", "superquic", f);
        } finally {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                sessions.forEach(s -> pool.submit(s::close));
            }
        }
    }

    /**
     * Heap used after a GC, the direct memory of Netty's default allocator and the process's
     * resident set (Linux; 0 elsewhere), which also counts quiche's native per-connection state.
     */
    public static long[] localMemory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new long[] {heap, ProcessMetrics.nettyDirectBytes(), ProcessMetrics.residentBytes()};
    }

    /**
     * Process CPU microseconds per unit of work, when the JVM reports CPU time, and the share of
     * it of the server loops, client loops and virtual threads ({@code name + " " + role}). A
     * role with under 1 % of the process CPU is left out: a ratio between such crumbs (a
     * baseline's bench workers, say) would only mislead.
     */
    private static void putCpu(Map<String, Double> f, String name, Window w, double units) {
        if (w.jitShare() > JitActivity.CALM_SHARE) {
            // Only where the JIT stayed busy into the measured window (past --jit-wait, or with
            // none): such a run's figures are worth less.
            f.put("JIT compiling %", 100 * w.jitShare());
        }
        if (w.cpuNanos() >= 0 && units > 0) {
            f.put(name, w.cpuNanos() / 1000.0 / units);
            for (Window.ThreadRole role : Window.ThreadRole.values()) {
                Long nanos = w.cpuNanosByRole().get(role);
                if (nanos != null && nanos >= w.cpuNanos() / 100) {
                    f.put(name + " " + role.label, nanos / 1000.0 / units);
                }
            }
        }
    }

    /** How busy each local server event loop was; loops that did nothing are left out. */
    private static void putLoops(Map<String, Double> f, Window w) {
        int i = 0;
        for (double busy : w.serverLoopBusy().values()) {
            i++;
            if (busy >= 1) {
                f.put("server loop " + i + " busy %", busy);
            }
        }
    }

    static Map<String, Double> percentiles(Histogram h) {
        Map<String, Double> f = new LinkedHashMap<>();
        double us = 1000.0;
        f.put("p50 us", h.getValueAtPercentile(50) / us);
        f.put("p90 us", h.getValueAtPercentile(90) / us);
        f.put("p99 us", h.getValueAtPercentile(99) / us);
        f.put("p99.9 us", h.getValueAtPercentile(99.9) / us);
        f.put("max us", h.getMaxValue() / us);
        return f;
    }

    /** One job per stream: {@code streams} of them on every connection. */
    private static List<Runnable> perStream(List<Target.Connection> conns, BenchOptions o, Window w, StreamJob job) {
        List<Runnable> jobs = new ArrayList<>();
        for (Target.Connection c : conns) {
            for (int s = 0; s < o.streams(); s++) {
                Window.Worker worker = w.worker();
                jobs.add(() -> unchecked(() -> job.run(c, worker)));
            }
        }
        return jobs;
    }

    /** Work on one stream of a connection, reported through the worker's handle. */
    private interface StreamJob {
        void run(Target.Connection connection, Window.Worker worker) throws Exception;
    }

    private static List<Target.Connection> open(Target target, int n) throws Exception {
        List<Target.Connection> conns = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                conns.add(target.connect());
            }
            return conns;
        } catch (Exception e) {
            conns.forEach(Target.Connection::close);
            throw e;
        }
    }

    /**
     * Runs the jobs through set-up, warm-up and the measured window; returns the measured seconds.
     * The warm-up starts once every job has done its first unit of work (its connection and
     * stream are up), so that set-up (slow on a cold JVM or a busy machine) never eats into it,
     * and goes on past its set time while this process's JIT compilers are busy
     * ({@link JitActivity}), for at most {@link BenchOptions#jitWait()}.
     */
    private static double run(List<Runnable> jobs, Window w, BenchOptions o, String label,
                              java.util.function.BiFunction<Double, Double, String> rate) throws Exception {
        w.expectWorkers(jobs.size());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Runnable job : jobs) {
                running.add(pool.submit(job));
            }
            long start = System.nanoTime();
            awaitSetUp(running, w, o, label, start);
            JitActivity jit = new JitActivity();
            long measureAt = System.nanoTime() + o.warmup().toNanos();
            long latestMeasureAt = measureAt + o.jitWait().toNanos();
            long end = Long.MAX_VALUE;
            long measuredFrom = 0;
            long compiledAtStart = 0;
            long lastTotal = 0;
            long lastAt = start;
            boolean measuring = false;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now >= measureAt && (jit.calm() || now >= latestMeasureAt)) {
                    w.startMeasuring();
                    measuredFrom = System.nanoTime();
                    compiledAtStart = jit.compiledMillis();
                    end = measuredFrom + o.duration().toNanos();
                    measuring = true;
                }
                if (now >= end) {
                    break;
                }
                failFast(running);
                long nextLook = measuring ? end : now < measureAt ? measureAt : now + JIT_LOOK_MILLIS * 1_000_000;
                TimeUnit.MILLISECONDS.sleep(Math.min(1000, Math.max(1, (nextLook - now) / 1_000_000)));
                long t = System.nanoTime();
                if (t >= end) {
                    break;
                }
                if (t - lastAt < PROGRESS_MIN_NANOS) {
                    continue; // a step to the end of the warm-up: too short for a rate
                }
                long total = w.total();
                String progress = rate.apply((double) (total - lastTotal), (t - lastAt) / 1e9);
                if (!measuring && t >= measureAt) {
                    progress += String.format("  (JIT compiling %.0f%%: warming up on)", 100 * jit.share());
                }
                o.progress().accept(String.format("%-32s %-9s %6.1fs  %s", label, measuring ? "measuring" : "warm-up",
                        (t - start) / 1e9, progress));
                lastTotal = total;
                lastAt = t;
            }
            long measuredNanos = System.nanoTime() - measuredFrom;
            double seconds = measuredNanos / 1e9;
            w.jitShare((jit.compiledMillis() - compiledAtStart) * 1e6 / measuredNanos);
            w.stop();
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            return seconds;
        } finally {
            stopJobs(pool, w);
        }
    }

    /**
     * However a run ends (a job failed, the caller was interrupted: JUnit's timeout, say), its
     * jobs end too: told to stop, given {@link #JOB_STOP_WAIT}, then interrupted. Closing the
     * pool alone would wait for them forever while they kept on working, as one hung test run
     * did for an hour with two event loops busy.
     */
    private static void stopJobs(ExecutorService pool, Window w) {
        w.halt();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(JOB_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until every job has done one unit of work; after {@link #SET_UP_LIMIT} the warm-up
     * starts anyway (the progress line says how many jobs were not working yet).
     */
    private static void awaitSetUp(List<Future<?>> running, Window w, BenchOptions o, String label, long start)
            throws Exception {
        long deadline = start + SET_UP_LIMIT.toNanos();
        long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
        while (!w.awaitWorkersStarted(100, TimeUnit.MILLISECONDS)) {
            failFast(running);
            long now = System.nanoTime();
            String waiting = w.workersNotStarted() + " of " + running.size() + " workers not started";
            if (now >= deadline) {
                o.progress().accept(String.format("%-32s %-9s %6.1fs  %s; warming up anyway", label, "set-up",
                        (now - start) / 1e9, waiting));
                return;
            }
            if (now >= nextProgress) {
                o.progress().accept(String.format("%-32s %-9s %6.1fs  %s", label, "set-up", (now - start) / 1e9,
                        waiting));
                nextProgress = now + TimeUnit.SECONDS.toNanos(1);
            }
        }
    }

    private static void failFast(List<Future<?>> running) throws Exception {
        for (Future<?> f : running) {
            if (f.isDone()) {
                f.get(); // surfaces a worker's failure
            }
        }
    }

    /** A step that may throw. */
    interface Step {
        void run() throws Exception;
    }

    private static void unchecked(Step step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}

package dev.superquic.bench.soak;

import dev.superquic.client.ClientSession;
import dev.superquic.stream.DuplexStream;
import dev.superquic.stream.internal.ChannelStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A soak run: many transfers of one workload over one session, each checked byte for byte and
 * bounded in time, counted as ok, hung (no result within the stall timeout), corrupt (the wrong
 * bytes came back) or failed (an error). Meant to run through a faulty path ({@code UdpRelay}):
 * at any loss rate the connection survives, every transfer must end, and end right.
 */
public final class Soak {
    /** Largest number of problems kept for the report; all are counted. */
    static final int MAX_PROBLEMS = 20;

    /**
     * What to run.
     *
     * @param workload the kind of transfer
     * @param count transfers to start in all
     * @param parallel transfers in flight at once
     * @param bytes bytes per transfer (echo, up, down); ignored by kv and streams
     * @param stallTimeout how long one transfer may take before it counts as hung
     */
    public record Settings(Workload workload, int count, int parallel, int bytes, Duration stallTimeout) {
        /** Checks the values. */
        public Settings {
            if (count < 1 || parallel < 1 || bytes < 1 || stallTimeout.isNegative() || stallTimeout.isZero()) {
                throw new IllegalArgumentException("count, parallel, bytes and the stall timeout must be positive");
            }
        }
    }

    /**
     * What came of it.
     *
     * @param settings what ran
     * @param ok transfers that ended with the right bytes
     * @param hung transfers with no result within the stall timeout
     * @param corrupt transfers that ended with the wrong bytes
     * @param failed transfers that ended with an error
     * @param elapsed wall time of the run
     * @param problems the first {@link #MAX_PROBLEMS} problems, each with the stream's state where known
     */
    public record Outcome(Settings settings, long ok, long hung, long corrupt, long failed, Duration elapsed,
                          List<String> problems) {
        /** One line: the counts and the time taken. */
        public String summary() {
            return String.format(Locale.ROOT, "%s: %d transfers in %.1f s: ok %d, hung %d, corrupt %d, failed %d",
                    settings.workload().wireName(), ok + hung + corrupt + failed, elapsed.toMillis() / 1000.0, ok,
                    hung, corrupt, failed);
        }
    }

    private final ClientSession session;
    private final Settings settings;
    private final BiFunction<String, Long, List<String>> serverView;
    private final Consumer<String> progress;
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong hung = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<String> problems = new ArrayList<>();

    /**
     * Prepares a run.
     *
     * @param serverView the server's view of a stream (session id, stream id) when it runs in this
     *     process, for the report of a hung transfer; else a function returning nothing
     * @param progress receives a progress line every few seconds and every problem
     */
    public Soak(ClientSession session, Settings settings, BiFunction<String, Long, List<String>> serverView,
                Consumer<String> progress) {
        this.session = session;
        this.settings = settings;
        this.serverView = serverView;
        this.progress = progress;
    }

    /** Runs every transfer; returns when all have ended one way or another. */
    public Outcome run() throws InterruptedException {
        long start = System.nanoTime();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < settings.parallel(); i++) {
                running.add(workers.submit(this::work));
            }
            long nextReport = System.nanoTime();
            for (Future<?> f : running) {
                while (true) {
                    try {
                        f.get(1, TimeUnit.SECONDS);
                        break;
                    } catch (TimeoutException e) {
                        if (System.nanoTime() - nextReport >= 0) {
                            progress.accept(progressLine(start));
                            nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        }
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new IllegalStateException("soak worker failed", e.getCause());
                    }
                }
            }
        }
        synchronized (problems) {
            return new Outcome(settings, ok.get(), hung.get(), corrupt.get(), failed.get(),
                    Duration.ofNanos(System.nanoTime() - start), List.copyOf(problems));
        }
    }

    private String progressLine(long start) {
        return String.format(Locale.ROOT, "soak %s: %d/%d started, %.0f s: ok %d, hung %d, corrupt %d, failed %d",
                settings.workload().wireName(), Math.min(started.get(), settings.count()), settings.count(),
                (System.nanoTime() - start) / 1e9, ok.get(), hung.get(), corrupt.get(), failed.get());
    }

    /** One worker: transfers one after another until all were started. */
    private void work() {
        try (ExecutorService transfers = Executors.newVirtualThreadPerTaskExecutor()) {
            int n;
            while ((n = started.getAndIncrement()) < settings.count()) {
                Transfer transfer = settings.workload().newTransfer(session, settings.bytes(), n);
                Future<Boolean> result = transfers.submit(transfer::run);
                try {
                    if (result.get(settings.stallTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                        ok.incrementAndGet();
                    } else {
                        corrupt.incrementAndGet();
                        problem("corrupt: transfer " + n + " ended with the wrong bytes; " + transfer.describe());
                    }
                } catch (TimeoutException e) {
                    hung.incrementAndGet();
                    problem("hung: transfer " + n + " had no result within " + settings.stallTimeout().toSeconds()
                            + " s; client " + transfer.describe() + serverSide(transfer));
                    result.cancel(true);
                    transfer.abort();
                } catch (java.util.concurrent.ExecutionException e) {
                    failed.incrementAndGet();
                    problem("failed: transfer " + n + ": " + e.getCause() + "; " + transfer.describe());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            transfers.shutdownNow();
        }
    }

    private String serverSide(Transfer transfer) {
        List<String> lines = new ArrayList<>();
        for (DuplexStream s : transfer.streams()) {
            lines.addAll(serverView.apply(session.id(), s.id()));
        }
        return lines.isEmpty() ? "" : "; server " + String.join(" | ", lines);
    }

    private void problem(String line) {
        progress.accept(line);
        synchronized (problems) {
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(line);
            }
        }
    }

    /** The state of {@code stream} in one line, where the stream can say. */
    static String describe(DuplexStream stream) {
        return stream instanceof ChannelStream c ? c.describe() : "stream " + stream.id();
    }
}

package dev.superquic.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * How much of the time this process's JIT compilers are compiling. A run's warm-up lasts until
 * they have calmed down: on two cores a C2 compiler thread still busy a few seconds into a fresh
 * JVM took a third of the profile samples of a measured upload, time the measured code did not
 * get. Where the JVM does not tell its compilation time, compiling counts as calm.
 */
final class JitActivity {
    /** Compiling for at most this share of the wall time (summed over compiler threads) is calm. */
    static final double CALM_SHARE = 0.10;
    /** A look shorter than this after the last one says nothing yet. */
    private static final long MIN_LOOK_NANOS = 250_000_000L;

    private final CompilationMXBean jit = monitoredCompiler();
    private long lastMillis;
    private long lastNanos;
    /** Before the first look of 250 ms nothing is known, which does not count as calm. */
    private double lastShare = Double.POSITIVE_INFINITY;

    /** Starts watching from now. */
    JitActivity() {
        lastMillis = compiledMillis();
        lastNanos = System.nanoTime();
    }

    /**
     * The share of wall time spent compiling since the previous look that was at least 250 ms
     * ago (1.0 is one compiler thread busy all along); until then, the previous share.
     */
    double share() {
        if (jit == null) {
            return 0;
        }
        long now = System.nanoTime();
        if (now - lastNanos >= MIN_LOOK_NANOS) {
            long millis = compiledMillis();
            lastShare = (millis - lastMillis) * 1e6 / (now - lastNanos);
            lastMillis = millis;
            lastNanos = now;
        }
        return lastShare;
    }

    /** Whether compiling has been calm since the previous look. */
    boolean calm() {
        return share() <= CALM_SHARE;
    }

    /** Milliseconds compiled so far in this process (all compiler threads), 0 where unknown. */
    long compiledMillis() {
        return jit == null ? 0 : jit.getTotalCompilationTime();
    }

    private static CompilationMXBean monitoredCompiler() {
        CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
        return bean != null && bean.isCompilationTimeMonitoringSupported() ? bean : null;
    }
}

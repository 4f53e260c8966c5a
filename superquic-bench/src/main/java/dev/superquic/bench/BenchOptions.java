package dev.superquic.bench;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Knobs of a benchmark run.
 *
 * @param streams streams per connection (throughput, rpc)
 * @param connections connections (throughput, rpc)
 * @param size request and response size in bytes (rpc)
 * @param warmup time run before measuring, excluded from results
 * @param jitWait how long the warm-up may go on past {@code warmup} while this process's JIT
 *     compilers are still busy (zero: not at all)
 * @param duration measured time
 * @param concurrency connections in flight at once (connect, resume)
 * @param idleConnections connections held open (idle)
 * @param progress where progress lines go
 */
public record BenchOptions(int streams, int connections, int size, Duration warmup, Duration jitWait,
                           Duration duration, int concurrency, int idleConnections, Consumer<String> progress) {
    /** Validates the numbers. */
    public BenchOptions {
        if (streams < 1 || connections < 1 || size < 1 || concurrency < 1 || idleConnections < 1) {
            throw new IllegalArgumentException("streams, connections, size, concurrency and idle connections must be >= 1");
        }
        if (warmup.isNegative() || jitWait.isNegative() || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, warm-up and JIT wait not negative");
        }
    }

    /** These options with {@code streams} streams on a single connection. */
    public BenchOptions onOneConnection(int streams) {
        return new BenchOptions(streams, 1, size, warmup, jitWait, duration, concurrency, idleConnections, progress);
    }
}

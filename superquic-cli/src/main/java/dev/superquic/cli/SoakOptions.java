package dev.superquic.cli;

import dev.superquic.bench.soak.Workload;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options of {@code bench soak}: the workload, and the faults of the relay in front of the server. */
final class SoakOptions {
    @Option(names = "--workload", defaultValue = "echo",
            description = "soak: echo (--size bytes each way), kv (a put and a get), up (--size to discard), down "
                    + "(--size from generate), streams (100 echoes of 64 KiB at once) or channel (--count numbered messages of "
                    + "--transfer-size bytes to the tally channel and back, each checked once and in order on both sides; "
                    + "--server may then list several nodes). Default: ${DEFAULT-VALUE}.")
    Workload workload;

    @Option(names = "--count", defaultValue = "2000", description = "soak: transfers in all. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--parallel", defaultValue = "4", description = "soak: transfers in flight. Default: ${DEFAULT-VALUE}.")
    int parallel;

    @Option(names = "--transfer-size", defaultValue = "1m", converter = Units.SizeConverter.class,
            description = "soak: bytes per echo, upload or download. Default: ${DEFAULT-VALUE}.")
    long transferSize;

    @Option(names = "--stall-timeout", defaultValue = "60s", converter = Units.DurationConverter.class,
            description = "soak: a transfer with no result for this long counts as hung. Default: ${DEFAULT-VALUE}.")
    Duration stallTimeout;

    @Option(names = "--loss", defaultValue = "0",
            description = "soak: percent of datagrams the relay drops, each way. Default: ${DEFAULT-VALUE}.")
    double loss;

    @Option(names = "--loss-up", description = "soak: percent dropped towards the server (overrides --loss).")
    Double lossUp;

    @Option(names = "--loss-down", description = "soak: percent dropped towards the client (overrides --loss).")
    Double lossDown;

    @Option(names = "--delay", defaultValue = "0ms", converter = Units.DurationConverter.class,
            description = "soak: delay the relay adds to every datagram, each way. Default: ${DEFAULT-VALUE}.")
    Duration delay;

    @Option(names = "--jitter", defaultValue = "0ms", converter = Units.DurationConverter.class,
            description = "soak: up to this much more delay, drawn per datagram (reorders). Default: ${DEFAULT-VALUE}.")
    Duration jitter;

    @Option(names = "--duplicate", defaultValue = "0",
            description = "soak: percent of datagrams sent twice. Default: ${DEFAULT-VALUE}.")
    double duplicate;

    @Option(names = "--blackhole-every", defaultValue = "0s", converter = Units.DurationConverter.class,
            description = "soak: the path goes dark once per this period (0s: never). Default: ${DEFAULT-VALUE}.")
    Duration blackholeEvery;

    @Option(names = "--blackhole-for", defaultValue = "500ms", converter = Units.DurationConverter.class,
            description = "soak: for this long each time. Default: ${DEFAULT-VALUE}.")
    Duration blackholeFor;

    @Option(names = "--idle-timeout", defaultValue = "2m", converter = Units.DurationConverter.class,
            description = "soak: the client's idle timeout; a blackhole longer than it forces a reconnect and resume. "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    /** Checks the values against each other; throws naming the option. */
    void check(CommandSpec spec) {
        if (count < 1 || parallel < 1 || transferSize < 1 || transferSize > Integer.MAX_VALUE) {
            throw new ParameterException(spec.commandLine(), "--count, --parallel and --transfer-size must be positive "
                    + "(--transfer-size below 2 GiB)");
        }
        for (double share : new double[] {loss, duplicate, lossUp == null ? 0 : lossUp, lossDown == null ? 0 : lossDown}) {
            if (!(share >= 0 && share <= 100)) {
                throw new ParameterException(spec.commandLine(), "--loss, --loss-up, --loss-down and --duplicate are "
                        + "percentages between 0 and 100 (got " + share + ")");
            }
        }
        if (!blackholeEvery.isZero() && blackholeFor.compareTo(blackholeEvery) >= 0) {
            throw new ParameterException(spec.commandLine(), "--blackhole-for must be shorter than --blackhole-every");
        }
    }

    /** With several --server addresses: only the channel workload, and no relay faults (the nodes fail instead). */
    void checkForNodes(CommandSpec spec) {
        if (workload != Workload.CHANNEL || loss > 0 || duplicate > 0 || lossUp != null || lossDown != null
                || !blackholeEvery.isZero() || !delay.isZero() || !jitter.isZero()) {
            throw new ParameterException(spec.commandLine(), "several --server addresses: only --workload channel,"
                    + " without relay faults (the faults there are the nodes that fail)");
        }
    }
}

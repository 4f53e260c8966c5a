package dev.superquic.cli;

import dev.superquic.bench.SuperQuicTarget;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** How {@code bench rpc} against superquic carries its requests: one stream, a stream each, or a channel. */
final class RpcModeOptions {
    @Option(names = "--stream-per-request", description = "rpc against superquic: open a stream for every request "
            + "and finish both sides, instead of one stream for all.")
    boolean streamPerRequest;

    @Option(names = "--channel", paramLabel = "echo|tally", description = "rpc against superquic: send each request "
            + "as a message on the channel echo (sent back) or tally (counted in the session's state and answered, "
            + "one commit each), one stream per connection.")
    String channel;

    /** The mode these options ask for; a usage error (exit 2) for a conflict or an unknown channel. */
    SuperQuicTarget.Rpc mode(CommandSpec spec) {
        if (channel != null && streamPerRequest) {
            throw new ParameterException(spec.commandLine(), "give at most one of --channel and --stream-per-request");
        }
        if (channel == null) {
            return streamPerRequest ? SuperQuicTarget.Rpc.STREAM_PER_REQUEST : SuperQuicTarget.Rpc.STREAM;
        }
        return switch (channel) {
            case "echo" -> SuperQuicTarget.Rpc.CHANNEL_ECHO;
            case "tally" -> SuperQuicTarget.Rpc.CHANNEL_TALLY;
            default -> throw new ParameterException(spec.commandLine(), "--channel must be echo or tally");
        };
    }
}

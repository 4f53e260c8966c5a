package dev.superquic.bench.soak;

import dev.superquic.client.ClientSession;
import java.util.Locale;

/** The kinds of transfer a soak run repeats. */
public enum Workload {
    /** Random bytes to {@code echo} and the same back (default 1 MiB). */
    ECHO,
    /** A put and a get of a small value on one {@code kv} stream. */
    KV,
    /** Bulk bytes to {@code discard}, which reports how many it got. */
    UP,
    /** Bulk bytes from {@code generate}, checked against its pattern. */
    DOWN,
    /** 100 concurrent 64 KiB echoes on one connection. */
    STREAMS,
    /**
     * Numbered messages to the {@code tally} channel and back, each way once and in order across
     * every fault ({@link ChannelSoak}): not a transfer, a flow of {@code count} messages.
     */
    CHANNEL;

    /** The name on the command line. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    Transfer newTransfer(ClientSession session, int bytes, long n) {
        return switch (this) {
            case ECHO -> new Transfer.Echo(session, bytes, n);
            case KV -> new Transfer.Kv(session, n);
            case UP -> new Transfer.Up(session, bytes, n);
            case DOWN -> new Transfer.Down(session, bytes, n);
            case STREAMS -> new Transfer.ManyStreams(session, n);
            case CHANNEL -> throw new IllegalStateException("a channel soak is a ChannelSoak, not transfers");
        };
    }
}

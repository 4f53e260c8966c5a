package dev.superquic.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of a channel's replay buffer, on either side: each channel keeps the messages the
 * peer has not acknowledged yet, up to {@code maxMessages} and {@code maxBytes}; a send that finds it
 * full waits up to {@code sendTimeout} for acknowledgements and then fails with
 * {@link ChannelFullException}. Nothing is ever dropped to make room.
 *
 * @param maxMessages unacknowledged messages per channel
 * @param maxBytes bytes of unacknowledged messages per channel
 * @param sendTimeout how long a send waits for room
 */
public record ChannelSettings(int maxMessages, long maxBytes, Duration sendTimeout) {
    /** 4,096 messages, 4 MiB, 30 s. */
    public static final ChannelSettings DEFAULT = new ChannelSettings(4096, 4L * 1024 * 1024, Duration.ofSeconds(30));

    /** Checks the values. */
    public ChannelSettings {
        Objects.requireNonNull(sendTimeout, "sendTimeout");
        if (maxMessages < 1 || maxBytes < 1 || sendTimeout.isNegative()) {
            throw new IllegalArgumentException("channel bounds must be positive and the send timeout not negative");
        }
    }
}

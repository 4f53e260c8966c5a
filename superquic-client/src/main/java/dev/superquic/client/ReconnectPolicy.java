package dev.superquic.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded exponential back-off with jitter for automatic reconnects.
 *
 * @param enabled whether the client reconnects by itself at all
 * @param initialDelay delay before the first retry
 * @param maxDelay cap of the delay
 * @param multiplier growth factor per attempt (at least 1)
 * @param jitter fraction (0..1) of each delay that is randomised, to spread reconnect storms
 * @param maxAttempts attempts before giving up; 0 means never give up
 */
public record ReconnectPolicy(boolean enabled, Duration initialDelay, Duration maxDelay, double multiplier, double jitter,
                              int maxAttempts) {
    /** Validates the fields. */
    public ReconnectPolicy {
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
        }
        if (multiplier < 1 || jitter < 0 || jitter > 1 || maxAttempts < 0) {
            throw new IllegalArgumentException("need multiplier >= 1, 0 <= jitter <= 1, maxAttempts >= 0");
        }
    }

    /** 100 ms doubling to 30 s, 20% jitter, never give up. */
    public static ReconnectPolicy defaults() {
        return new ReconnectPolicy(true, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2, 0);
    }

    /** No automatic reconnect. */
    public static ReconnectPolicy disabled() {
        return new ReconnectPolicy(false, Duration.ZERO, Duration.ZERO, 1, 0, 0);
    }

    /** Delay before attempt {@code attempt} (1-based). */
    public Duration delay(int attempt) {
        double base = initialDelay.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxDelay.toNanos());
        double spread = capped * jitter;
        double jittered = capped - spread + ThreadLocalRandom.current().nextDouble() * 2 * spread;
        return Duration.ofNanos((long) Math.max(0, Math.min(jittered, maxDelay.toNanos())));
    }
}

package dev.superquic.server.internal.session;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per source address for hellos (new sessions and resumes): {@code ratePerSecond}
 * on average, bursts of up to {@code burst}. Buckets of addresses that have been quiet long enough
 * to be full again are dropped, so the map holds only recently active addresses. Thread-safe.
 */
public final class HelloRateLimit {
    private final double ratePerNano;
    private final double burst;
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private long lastSweep = System.nanoTime();

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }

    public HelloRateLimit(double ratePerSecond, int burst) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
    }

    /** Takes one token for {@code address}; false if its bucket is empty. */
    boolean tryAcquire(InetAddress address) {
        long now = System.nanoTime();
        sweepIfDue(now);
        Bucket b = buckets.computeIfAbsent(address, a -> new Bucket(burst, now));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.updated) * ratePerNano);
            b.updated = now;
            if (b.tokens < 1) {
                return false;
            }
            b.tokens -= 1;
            return true;
        }
    }

    /** About once a minute: forget buckets that have refilled (their addresses went quiet). */
    private void sweepIfDue(long now) {
        synchronized (this) {
            if (now - lastSweep < 60_000_000_000L) {
                return;
            }
            lastSweep = now;
        }
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().tokens + (now - e.getValue().updated) * ratePerNano >= burst;
            }
        });
    }
}

package dev.superquic.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class OutboundGateTest {
    @Test
    void blockedWriterWakesOnlyOnceHalfTheLimitIsFree() throws Exception {
        OutboundGate gate = new OutboundGate(100, Duration.ofSeconds(30));
        gate.acquire(40);
        gate.acquire(40);
        CompletableFuture<Void> third = acquireInBackground(gate, 40);
        gate.release(20);
        assertThat(third).as("60 in flight: above the wake mark of 50").isNotDone();
        gate.release(20);
        third.get(10, TimeUnit.SECONDS);
        assertThat(gate.inFlightBytes()).isEqualTo(80);
    }

    @Test
    void chunkLargerThanTheLimitPassesWhenNothingIsInFlight() throws Exception {
        OutboundGate gate = new OutboundGate(100, Duration.ofSeconds(30));
        gate.acquire(30);
        CompletableFuture<Void> big = acquireInBackground(gate, 500);
        gate.release(30);
        big.get(10, TimeUnit.SECONDS);
        assertThat(gate.inFlightBytes()).isEqualTo(500);
    }

    @Test
    void writerWithoutAnyProgressTimesOut() throws Exception {
        OutboundGate gate = new OutboundGate(100, Duration.ofMillis(200));
        gate.acquire(100);
        assertThatThrownBy(() -> gate.acquire(1)).isInstanceOf(OutboundGate.WriteStalledException.class);
    }

    @Test
    void progressAboveTheWakeMarkKeepsTheWriterFromTimingOut() throws Exception {
        OutboundGate gate = new OutboundGate(100, Duration.ofMillis(500));
        gate.acquire(100);
        // Needs 40 or fewer in flight, so it waits past the wake mark (50).
        CompletableFuture<Void> writer = acquireInBackground(gate, 60);
        // A slow peer: a byte every 25 ms takes 1.5 s to free 60 bytes, three stall timeouts.
        try (ScheduledExecutorService peer = Executors.newSingleThreadScheduledExecutor()) {
            peer.scheduleAtFixedRate(() -> gate.release(1), 25, 25, TimeUnit.MILLISECONDS);
            Awaitility.await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5))
                    .until(() -> !writer.isDone());
            peer.shutdownNow();
        }
        gate.release(gate.inFlightBytes());
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void failureWakesBlockedWriters() throws Exception {
        OutboundGate gate = new OutboundGate(100, Duration.ofSeconds(30));
        gate.acquire(100);
        CompletableFuture<Void> writer = acquireInBackground(gate, 10);
        gate.fail(new IOException("reset"));
        assertThatThrownBy(() -> writer.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("reset");
    }

    /** Starts an acquire on a virtual thread and returns once it blocks. */
    private static CompletableFuture<Void> acquireInBackground(OutboundGate gate, long n) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                gate.acquire(n);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> writer.getState() == Thread.State.TIMED_WAITING);
        return done;
    }
}

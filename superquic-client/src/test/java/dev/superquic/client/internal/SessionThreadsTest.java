package dev.superquic.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SessionThreadsTest {
    @Test
    void closeInterruptsAndJoinsEveryThreadThenRefusesNewOnes() throws Exception {
        SessionThreads threads = new SessionThreads();
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch interrupted = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            assertThat(threads.start("blocked-" + i, () -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await(); // until interrupted
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            })).isTrue();
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(threads.running()).isEqualTo(2);

        assertThat(threads.close(Duration.ofSeconds(10))).as("threads left running").isZero();
        assertThat(interrupted.getCount()).isZero();
        assertThat(threads.running()).isZero();
        assertThat(threads.start("late", () -> { })).isFalse();
        assertThatThrownBy(() -> threads.executor("late").execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void aThreadThatClosesItsOwnerIsNeitherInterruptedNorAwaited() throws Exception {
        SessionThreads threads = new SessionThreads();
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        threads.start("closer", () -> {
            int left = threads.close(Duration.ofSeconds(5));
            result.complete(left == 0 && !Thread.currentThread().isInterrupted());
        });
        assertThat(result.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aThreadThatIgnoresItsInterruptIsCountedAsLeftRunning() throws Exception {
        SessionThreads threads = new SessionThreads();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        threads.start("stubborn", () -> {
            started.countDown();
            while (true) {
                try {
                    if (release.await(10, TimeUnit.SECONDS)) {
                        return;
                    }
                } catch (InterruptedException ignored) {
                    // keeps waiting, as a buggy task would
                }
            }
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(threads.close(Duration.ofMillis(200))).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCloseRacingStartsNeitherThrowsNorLeavesAThreadBehind() throws Exception {
        for (int round = 0; round < 200; round++) {
            SessionThreads threads = new SessionThreads();
            CountDownLatch go = new CountDownLatch(1);
            Thread starter = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20; i++) {
                    threads.start("short-" + i, () -> { });
                }
            });
            go.countDown();
            assertThat(threads.close(Duration.ofSeconds(5))).isZero();
            assertThat(starter.join(Duration.ofSeconds(10))).isTrue();
            assertThat(threads.start("after", () -> { })).isFalse();
        }
    }
}

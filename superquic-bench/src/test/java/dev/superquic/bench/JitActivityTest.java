package dev.superquic.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JitActivityTest {

    @Test
    void nothingCountsAsCalmBeforeAQuarterSecondWasWatched() {
        JitActivity jit = new JitActivity();
        assertThat(jit.calm()).isFalse();
    }

    @Test
    void aJvmThatIsNotCompilingMuchIsCalm() {
        JitActivity jit = new JitActivity();
        // This test JVM is idle but for the test: within a minute its compilers have calmed down.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(jit::calm);
        assertThat(jit.share()).isBetween(0.0, JitActivity.CALM_SHARE);
        assertThat(jit.compiledMillis()).isPositive();
    }
}

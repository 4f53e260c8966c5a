package dev.superquic.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.transport.ConnectionStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PathWatchTest {
    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final ConnectionStats START = stats(1000, 1000, 10, 1_000_000, 10_000);

    private static ConnectionStats stats(long sent, long received, long lost, long bytesSent, long bytesLost) {
        return new ConnectionStats(Duration.ofMillis(1), 8952, sent, received, lost, lost, bytesSent, 0, bytesLost);
    }

    @Test
    void fullPacketsLostWhileSmallOnesArriveIsABlackHole() {
        // As measured on a shrunk path: ~350 packets sent a second, nearly all of them lost, a few
        // small ones acknowledged.
        ConnectionStats after = stats(1000 + 350, 1000 + 35, 10 + 330, 1_000_000 + 350 * 8000L,
                10_000 + 330 * 8400L);
        assertThat(PathWatch.blackHole(START, after, WINDOW))
                .isEqualTo("the path stopped carrying packets of 8952 bytes: 330 lost (2772000 of 2800000 bytes sent)"
                        + " in the last 1000 ms while 35 smaller ones arrived");
    }

    @Test
    void heavyRandomLossIsNot() {
        ConnectionStats halfLost = stats(1000 + 400, 1000 + 200, 10 + 200, 1_000_000 + 400 * 1350L,
                10_000 + 200 * 1350L);
        assertThat(PathWatch.blackHole(START, halfLost, WINDOW)).isNull();
    }

    @Test
    void aPathThatCarriesNothingIsLeftToTheIdleTimeout() {
        ConnectionStats nothingArrived = stats(1000 + 20, 1000, 10 + 20, 1_000_000 + 20 * 8000L,
                10_000 + 20 * 8000L);
        assertThat(PathWatch.blackHole(START, nothingArrived, WINDOW)).isNull();
    }

    @Test
    void aFewLostPacketsAreNot() {
        ConnectionStats fewLost = stats(1000 + 7, 1000 + 5, 10 + 7, 1_000_000 + 7 * 8000L, 10_000 + 7 * 8000L);
        assertThat(PathWatch.blackHole(START, fewLost, WINDOW)).isNull();
    }

    @Test
    void theIdleTimeoutInForceIsTheSmallerOne() {
        assertThat(PathWatch.negotiatedIdleMillis(30_000, 2_000)).isEqualTo(2_000);
        assertThat(PathWatch.negotiatedIdleMillis(2_000, 30_000)).isEqualTo(2_000);
        assertThat(PathWatch.negotiatedIdleMillis(2_000, 0)).isEqualTo(2_000);
    }
}

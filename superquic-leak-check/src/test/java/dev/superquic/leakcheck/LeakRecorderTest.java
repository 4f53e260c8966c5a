package dev.superquic.leakcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.awaitility.Awaitility;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The leak check itself must be able to fail: a deliberately leaked buffer is reported. */
class LeakRecorderTest {
    @Test
    void leakedBufferIsReported() {
        leakOne();
        // collect() drains what it found, so the extension's own check after this test stays green.
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> !LeakRecorder.collect().isEmpty());
    }

    @Test
    void releasedBufferIsNotReported() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(128);
        b.writeLong(42);
        b.release();
        assertThat(LeakRecorder.collect()).isEmpty();
    }

    private static void leakOne() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(128);
        b.writeLong(7);
    }
}

package dev.superquic.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** What the idle scenario reads as this process's memory. */
class LocalMemoryTest {
    @Test
    void directMemoryIsThatOfTheAllocatorChannelsUse() {
        long before = Scenarios.localMemory()[1];
        // Channels allocate from the default allocator; a megabyte from it must show.
        ByteBuf held = ByteBufAllocator.DEFAULT.directBuffer(1 << 20);
        try {
            assertThat(Scenarios.localMemory()[1] - before).isGreaterThanOrEqualTo(1 << 20);
        } finally {
            held.release();
        }
    }
}

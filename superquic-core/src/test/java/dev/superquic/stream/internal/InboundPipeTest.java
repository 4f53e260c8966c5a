package dev.superquic.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.stream.StreamResetException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class InboundPipeTest {
    @Test
    void pausesAtHighWaterAndResumesAtLowWater() throws Exception {
        AtomicInteger resumes = new AtomicInteger();
        AtomicInteger pauses = new AtomicInteger();
        InboundPipe pipe = new InboundPipe(100, resumes::incrementAndGet, new StreamMeter() {
            @Override
            public void paused() {
                pauses.incrementAndGet();
            }
        });
        assertThat(offer(pipe, Unpooled.wrappedBuffer(new byte[60]))).isTrue();
        assertThat(offer(pipe, Unpooled.wrappedBuffer(new byte[60]))).isFalse();
        assertThat(pauses).hasValue(1);
        byte[] dst = new byte[30];
        pipe.read(dst, 0, 30);
        pipe.read(dst, 0, 30);
        assertThat(resumes).as("60 bytes left, above the low-water mark of 50").hasValue(0);
        pipe.read(dst, 0, 30);
        assertThat(resumes).hasValue(1);
        pipe.release();
    }

    @Test
    void dataBeforeFinStaysReadableAndThenEndOfStream() throws Exception {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        offer(pipe, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        pipe.finish();
        pipe.fail(new StreamResetException("late", -1, null));
        byte[] dst = new byte[8];
        assertThat(pipe.read(dst, 0, 8)).isEqualTo(3);
        assertThat(pipe.read(dst, 0, 8)).isEqualTo(-1);
    }

    @Test
    void failureDropsDataAndThrows() {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        var buf = Unpooled.directBuffer(4).writeInt(1);
        offer(pipe, buf);
        pipe.fail(new StreamResetException("reset", 5, null));
        assertThat(buf.refCnt()).isZero();
        assertThatThrownBy(() -> pipe.read(new byte[4], 0, 4)).isInstanceOf(StreamResetException.class);
    }

    @Test
    void offersAfterReleaseAreFreed() {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        pipe.release();
        var buf = Unpooled.directBuffer(4).writeInt(1);
        assertThat(offer(pipe, buf)).isFalse();
        assertThat(buf.refCnt()).isZero();
    }

    @Test
    void aBatchReachesAWaitingConsumerInOneRead() throws Exception {
        InboundPipe pipe = new InboundPipe(64 * 1024, () -> { }, StreamMeter.NONE);
        CompletableFuture<Integer> read = startReader(pipe, 16 * 1024);
        java.util.ArrayDeque<io.netty.buffer.ByteBuf> batch = new java.util.ArrayDeque<>();
        batch.add(Unpooled.wrappedBuffer(new byte[1300]));
        batch.add(Unpooled.wrappedBuffer(new byte[1300]));
        batch.add(Unpooled.EMPTY_BUFFER);
        assertThat(pipe.offerAll(batch, true)).isTrue();
        assertThat(batch).isEmpty();
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(2600);
        pipe.release();
    }

    @Test
    void aPipeOverItsBudgetPausesAndResumesWhenAnotherGivesRoomBack() throws Exception {
        int allowance = (int) InboundPipe.ALLOWANCE;
        InboundBudget connection = new InboundBudget(1000, null);
        AtomicInteger resumesA = new AtomicInteger();
        AtomicInteger resumesB = new AtomicInteger();
        AtomicInteger spent = new AtomicInteger();
        StreamMeter meter = new StreamMeter() {
            @Override
            public void budgetSpent() {
                spent.incrementAndGet();
            }
        };
        InboundPipe a = new InboundPipe(1 << 20, resumesA::incrementAndGet, meter);
        InboundPipe b = new InboundPipe(1 << 20, resumesB::incrementAndGet, meter);
        a.budget(connection);
        b.budget(connection);
        assertThat(offer(a, Unpooled.wrappedBuffer(new byte[allowance]))).as("within the allowance").isTrue();
        assertThat(connection.used()).isZero();
        assertThat(offer(a, Unpooled.wrappedBuffer(new byte[900]))).isTrue();
        assertThat(connection.used()).isEqualTo(900);
        assertThat(offer(b, Unpooled.wrappedBuffer(new byte[allowance + 200]))).as("1100 of 1000").isFalse();
        assertThat(b.isPaused()).isTrue();
        assertThat(spent).hasValue(1);
        assertThat(offer(a, Unpooled.wrappedBuffer(new byte[10]))).as("the budget is spent for a too").isFalse();
        byte[] dst = new byte[allowance + 910];
        assertThat(a.read(dst, 0, dst.length)).isEqualTo(dst.length);
        assertThat(connection.used()).as("a gave its 910 back").isEqualTo(200);
        assertThat(resumesB).as("b resumed by a's release").hasValue(1);
        assertThat(b.isPaused()).isFalse();
        assertThat(resumesA).hasValue(1);
        b.release();
        assertThat(connection.used()).isZero();
        a.release();
    }

    @Test
    void aStreamBackWithinItsAllowanceResumesWithTheBudgetStillSpent() throws Exception {
        int allowance = (int) InboundPipe.ALLOWANCE;
        InboundBudget connection = new InboundBudget(100, null);
        assertThat(connection.forceReserve(100)).isTrue(); // another stream holds it all
        AtomicInteger resumes = new AtomicInteger();
        InboundPipe pipe = new InboundPipe(1 << 20, resumes::incrementAndGet, StreamMeter.NONE);
        pipe.budget(connection);
        assertThat(offer(pipe, Unpooled.wrappedBuffer(new byte[allowance + 50]))).isFalse();
        byte[] dst = new byte[100];
        pipe.read(dst, 0, 100);
        assertThat(resumes).as("below its allowance: reads on without the budget").hasValue(1);
        assertThat(connection.used()).isEqualTo(100);
        pipe.release();
        connection.release(100);
    }

    @Test
    void aBatchThatFillsThePipePausesReading() {
        AtomicInteger pauses = new AtomicInteger();
        InboundPipe pipe = new InboundPipe(2000, () -> { }, new StreamMeter() {
            @Override
            public void paused() {
                pauses.incrementAndGet();
            }
        });
        java.util.ArrayDeque<io.netty.buffer.ByteBuf> batch = new java.util.ArrayDeque<>();
        batch.add(Unpooled.wrappedBuffer(new byte[1300]));
        batch.add(Unpooled.wrappedBuffer(new byte[1300]));
        assertThat(pipe.offerAll(batch, true)).isFalse();
        assertThat(pauses).hasValue(1);
        assertThat(pipe.isPaused()).isTrue();
        pipe.release();
    }

    @Test
    void aBatchOfferedAfterAFailureIsFreed() {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        pipe.fail(new StreamResetException("reset", 5, null));
        var buf = Unpooled.directBuffer(4).writeInt(1);
        java.util.ArrayDeque<io.netty.buffer.ByteBuf> batch = new java.util.ArrayDeque<>();
        batch.add(buf);
        pipe.offerAll(batch, true);
        assertThat(buf.refCnt()).isZero();
        assertThat(batch).isEmpty();
    }

    @Test
    void theEventLoopDoesNotWaitWhileAReadCopies() throws Exception {
        InboundPipe pipe = new InboundPipe(64 * 1024, () -> { }, StreamMeter.NONE);
        CountDownLatch copying = new CountDownLatch(1);
        CountDownLatch finishCopy = new CountDownLatch(1);
        offer(pipe, new SlowCopyBuffer(new byte[100], copying, finishCopy));
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.read(new byte[100], 0, 100);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
        try {
            assertThat(copying.await(10, TimeUnit.SECONDS)).isTrue();
            // The read is now copying; an offer from the event loop must not wait for it.
            CompletableFuture<Boolean> offer = CompletableFuture.supplyAsync(
                    () -> offer(pipe, Unpooled.wrappedBuffer(new byte[10])), runnable -> new Thread(runnable).start());
            assertThat(offer.get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            finishCopy.countDown();
        }
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(100);
        assertThat(pipe.bufferedBytes()).isEqualTo(10);
        pipe.release();
    }

    @Test
    void aDeferredOfferWakesTheWaitingReaderOnlyWhenAsked() throws Exception {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        CompletableFuture<Integer> read = startReader(pipe, 8);
        java.util.ArrayDeque<ByteBuf> batch = new java.util.ArrayDeque<>();
        batch.add(Unpooled.wrappedBuffer(new byte[5]));
        assertThat(pipe.offerAll(batch, false)).isTrue();
        Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
                .until(() -> !read.isDone());
        pipe.wakeConsumer();
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(5);
        pipe.release();
    }

    @Test
    void buffersAReadTookOverAreFreedOnRelease() throws Exception {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        var first = Unpooled.directBuffer(4).writeInt(1);
        var second = Unpooled.directBuffer(4).writeInt(2);
        offer(pipe, first);
        offer(pipe, second);
        assertThat(pipe.read(new byte[2], 0, 2)).isEqualTo(2);
        assertThat(pipe.bufferedBytes()).isEqualTo(6);
        pipe.release();
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
        assertThatThrownBy(() -> pipe.read(new byte[4], 0, 4)).isInstanceOf(StreamResetException.class);
    }

    @Test
    void buffersAReadTookOverAreFreedOnFailure() throws Exception {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        var buf = Unpooled.directBuffer(8).writeLong(1);
        offer(pipe, buf);
        assertThat(pipe.read(new byte[2], 0, 2)).isEqualTo(2);
        pipe.fail(new StreamResetException("reset", 5, null));
        assertThat(buf.refCnt()).isZero();
        assertThatThrownBy(() -> pipe.read(new byte[4], 0, 4)).isInstanceOf(StreamResetException.class);
    }

    @Test
    void readBufferHandsOverWholeBuffersAndResumesReading() throws Exception {
        AtomicInteger resumes = new AtomicInteger();
        InboundPipe pipe = new InboundPipe(100, resumes::incrementAndGet, StreamMeter.NONE);
        ByteBuf first = Unpooled.directBuffer(60).writeZero(60);
        ByteBuf second = Unpooled.directBuffer(60).writeZero(60);
        offer(pipe, first);
        assertThat(offer(pipe, second)).as("120 bytes: paused").isFalse();
        assertThat(pipe.read(new byte[10], 0, 10)).isEqualTo(10);
        ByteBuf got = pipe.readBuffer();
        assertThat(got).as("the rest of the first buffer, not a copy").isSameAs(first);
        assertThat(got.readableBytes()).isEqualTo(50);
        got.release();
        assertThat(resumes).as("60 left: above the low-water mark").hasValue(0);
        got = pipe.readBuffer();
        assertThat(got).isSameAs(second);
        got.release();
        assertThat(resumes).hasValue(1);
        assertThat(pipe.bufferedBytes()).isZero();
        pipe.finish();
        assertThat(pipe.readBuffer()).isNull();
    }

    @Test
    void readBufferWaitsForDataAndFailsWithTheStream() throws Exception {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        CompletableFuture<ByteBuf> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.readBuffer();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
        offer(pipe, Unpooled.wrappedBuffer(new byte[] {7}));
        ByteBuf got = read.get(10, TimeUnit.SECONDS);
        assertThat(got.readByte()).isEqualTo((byte) 7);
        got.release();
        pipe.fail(new StreamResetException("reset", 5, null));
        assertThatThrownBy(pipe::readBuffer).isInstanceOf(StreamResetException.class);
    }

    /** A heap buffer whose copy-out blocks until told to go on, to catch a read copying. */
    private static final class SlowCopyBuffer extends UnpooledHeapByteBuf {
        private final CountDownLatch copying;
        private final CountDownLatch finishCopy;

        SlowCopyBuffer(byte[] content, CountDownLatch copying, CountDownLatch finishCopy) {
            super(UnpooledByteBufAllocator.DEFAULT, content, content.length);
            this.copying = copying;
            this.finishCopy = finishCopy;
        }

        @Override
        public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
            copying.countDown();
            try {
                if (!finishCopy.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("copy never allowed to finish");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return super.getBytes(index, dst, dstIndex, length);
        }
    }

    /** Offers one buffer as a batch of its own, as the event loop does for a lone packet. */
    private static boolean offer(InboundPipe pipe, ByteBuf buf) {
        java.util.ArrayDeque<ByteBuf> one = new java.util.ArrayDeque<>(1);
        one.add(buf);
        return pipe.offerAll(one, true);
    }

    /** Starts a virtual-thread read and returns once it waits in the pipe. */
    private static CompletableFuture<Integer> startReader(InboundPipe pipe, int len) {
        CompletableFuture<Integer> read = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                read.complete(pipe.read(new byte[len], 0, len));
            } catch (Throwable e) {
                read.completeExceptionally(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> reader.getState() == Thread.State.WAITING);
        return read;
    }
}

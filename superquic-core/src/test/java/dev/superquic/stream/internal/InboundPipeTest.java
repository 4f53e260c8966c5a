package dev.superquic.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.stream.StreamResetException;
import dev.superquic.stream.internal.InboundPipe.OfferResult;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
        assertThat(pipe.offer(Unpooled.wrappedBuffer(new byte[60]))).isEqualTo(OfferResult.CONTINUE);
        assertThat(pipe.offer(Unpooled.wrappedBuffer(new byte[60]))).isEqualTo(OfferResult.PAUSE);
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
        pipe.offer(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
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
        pipe.offer(buf);
        pipe.fail(new StreamResetException("reset", 5, null));
        assertThat(buf.refCnt()).isZero();
        assertThatThrownBy(() -> pipe.read(new byte[4], 0, 4)).isInstanceOf(StreamResetException.class);
    }

    @Test
    void offersAfterReleaseAreFreed() {
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        pipe.release();
        var buf = Unpooled.directBuffer(4).writeInt(1);
        assertThat(pipe.offer(buf)).isEqualTo(OfferResult.PAUSE);
        assertThat(buf.refCnt()).isZero();
    }

    @Test
    void fullSizedBuffersWakeTheConsumerOncePerBatch() throws Exception {
        InboundPipe pipe = new InboundPipe(64 * 1024, () -> { }, StreamMeter.NONE);
        CompletableFuture<Integer> read = startReader(pipe, 16 * 1024);
        assertThat(pipe.offer(packet())).isEqualTo(OfferResult.CONTINUE_AND_WAKE);
        assertThat(pipe.offer(packet())).as("a wake-up is already due").isEqualTo(OfferResult.CONTINUE);
        assertThat(read).as("full-sized buffers alone do not wake the consumer").isNotDone();
        pipe.wakeConsumer();
        assertThat(read.get(10, TimeUnit.SECONDS)).as("the whole batch in one read").isEqualTo(2 * packet().readableBytes());
        pipe.release();
    }

    @Test
    void smallBufferWakesTheConsumerAtOnce() throws Exception {
        InboundPipe pipe = new InboundPipe(64 * 1024, () -> { }, StreamMeter.NONE);
        CompletableFuture<Integer> read = startReader(pipe, 16 * 1024);
        assertThat(pipe.offer(Unpooled.wrappedBuffer(new byte[64]))).isEqualTo(OfferResult.CONTINUE);
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(64);
        pipe.release();
    }

    @Test
    void waitingConsumerIsWokenAtOnceWhenThePipeFills() throws Exception {
        InboundPipe pipe = new InboundPipe(2 * packet().readableBytes(), () -> { }, StreamMeter.NONE);
        CompletableFuture<Integer> read = startReader(pipe, 16 * 1024);
        assertThat(pipe.offer(packet())).isEqualTo(OfferResult.CONTINUE_AND_WAKE);
        assertThat(pipe.offer(packet())).isEqualTo(OfferResult.PAUSE);
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(2 * packet().readableBytes());
        pipe.release();
    }

    /** A full-sized packet's worth of stream data. */
    private static io.netty.buffer.ByteBuf packet() {
        return Unpooled.wrappedBuffer(new byte[1300]);
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

package dev.superquic.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When and in which order the writes of a connection's streams are carried out, on Netty's
 * embedded channel (a plain test channel, not a QUIC type).
 */
class StreamWritesTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final StreamWrites writes = new StreamWrites(channel.eventLoop());

    @Test
    void writesFromAnotherThreadAreCarriedOutInOrderByATaskOnTheEventLoop() throws Exception {
        ChannelFuture[] futures = CompletableFuture.supplyAsync(() -> new ChannelFuture[] {
            writes.write(channel, buffer(1)), writes.write(channel, buffer(2)), writes.write(channel, buffer(3))
        }, runnable -> Thread.ofVirtual().start(runnable)).get(10, TimeUnit.SECONDS);
        assertThat(channel.<Object>readOutbound()).as("not before the event loop runs its tasks").isNull();

        channel.runPendingTasks();
        for (int i = 1; i <= 3; i++) {
            ByteBuf written = channel.readOutbound();
            assertThat(written.readByte()).isEqualTo((byte) i);
            written.release();
            assertThat(futures[i - 1].isSuccess()).isTrue();
        }
        channel.finishAndReleaseAll();
    }

    @Test
    void aFinQueuedBehindItsStreamsDataTravelsInTheSameFrame() throws Exception {
        EmbeddedChannel other = new EmbeddedChannel();
        java.util.concurrent.atomic.AtomicInteger lone = new java.util.concurrent.atomic.AtomicInteger();
        ChannelFuture[] futures = CompletableFuture.supplyAsync(() -> new ChannelFuture[] {
            writes.write(channel, buffer(1)), writes.write(other, buffer(2)), writes.writeFin(channel, lone::incrementAndGet)
        }, runnable -> Thread.ofVirtual().start(runnable)).get(10, TimeUnit.SECONDS);
        channel.runPendingTasks();
        io.netty.handler.codec.quic.QuicStreamFrame joined = channel.readOutbound();
        assertThat(joined.hasFin()).isTrue();
        assertThat(joined.content().readByte()).isEqualTo((byte) 1);
        joined.release();
        assertThat(channel.<Object>readOutbound()).as("no FIN of its own").isNull();
        ByteBuf otherData = other.readOutbound();
        otherData.release();
        assertThat(futures[0].isSuccess()).isTrue();
        assertThat(futures[2].isSuccess()).as("the FIN's future completes with the data's").isTrue();
        assertThat(lone).hasValue(0);
        channel.finishAndReleaseAll();
        other.finishAndReleaseAll();
    }

    @Test
    void aFinWhoseDataLeftEarlierGoesAloneAndSaysSo() throws Exception {
        java.util.concurrent.atomic.AtomicInteger lone = new java.util.concurrent.atomic.AtomicInteger();
        writes.write(channel, buffer(1));
        channel.runPendingTasks();
        ByteBuf data = channel.readOutbound();
        data.release();
        ChannelFuture fin = writes.writeFin(channel, lone::incrementAndGet);
        channel.runPendingTasks();
        io.netty.handler.codec.quic.QuicStreamFrame alone = channel.readOutbound();
        assertThat(alone.hasFin()).isTrue();
        assertThat(alone.content().isReadable()).isFalse();
        assertThat(fin.isSuccess()).isTrue();
        assertThat(lone).hasValue(1);
        channel.finishAndReleaseAll();
    }

    @Test
    void aTaskSubmittedAfterAWriteRunsAfterTheWrite() throws Exception {
        // What ChannelStream.finishOutput() relies on. (The writing thread is done before the
        // embedded loop, which is not thread-safe, runs its tasks.)
        CompletableFuture<Boolean> writtenFirst = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            ChannelFuture write = writes.write(channel, buffer(1));
            channel.eventLoop().execute(() -> writtenFirst.complete(write.isDone()));
        }).join();
        channel.runPendingTasks();
        assertThat(writtenFirst.get(10, TimeUnit.SECONDS)).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void receivedDataCarriesPendingWritesOutAtOnceOnAnyStreamOfTheConnection() {
        EmbeddedChannel other = new EmbeddedChannel();
        ReadHandover handover = new ReadHandover(channel.eventLoop(), StreamBridgeHandler.HOLD_NANOS);
        InboundPipe pipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        other.pipeline().addLast(new StreamBridgeHandler(pipe, new OutboundGate(1024, Duration.ofSeconds(5)),
                StreamMeter.NONE, handover, writes));
        ChannelFuture answer = writes.write(channel, buffer(7));

        // Data arriving on another stream of the connection: the event loop is processing received
        // datagrams, and the answer goes out with them, before the write's own task runs.
        other.pipeline().fireChannelRead(Unpooled.wrappedBuffer(new byte[10]));
        assertThat(answer.isSuccess()).isTrue();
        ByteBuf written = channel.readOutbound();
        assertThat(written.readByte()).isEqualTo((byte) 7);
        written.release();

        channel.runPendingTasks();
        assertThat(channel.<Object>readOutbound()).as("written once").isNull();
        pipe.release();
        other.finishAndReleaseAll();
        channel.finishAndReleaseAll();
    }

    @Test
    void aWriteToAClosedChannelFailsAndIsReleased() {
        ByteBuf data = buffer(1);
        channel.close();
        ChannelFuture future = writes.write(channel, data);
        channel.runPendingTasks();
        assertThat(future.isDone()).isTrue();
        assertThat(future.isSuccess()).isFalse();
        assertThat(data.refCnt()).isZero();
    }

    @Test
    void aWriteAfterTheEventLoopShutDownFailsAndIsReleased() throws Exception {
        DefaultEventLoop stopped = new DefaultEventLoop();
        assertThat(stopped.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS)).isTrue();
        StreamWrites late = new StreamWrites(stopped);
        ByteBuf data = buffer(1);
        ChannelFuture future = late.write(channel, data);
        assertThat(future.isDone()).isTrue();
        assertThat(future.cause()).isInstanceOf(RejectedExecutionException.class);
        assertThat(data.refCnt()).isZero();
        channel.finishAndReleaseAll();
    }

    private static ByteBuf buffer(int value) {
        return Unpooled.directBuffer(1).writeByte(value);
    }
}

package dev.superquic.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The bridge's batching, on Netty's embedded channel (a plain test channel, not a QUIC type):
 * what reaches the pipe, and when.
 */
class StreamBridgeHandlerTest {
    private final InboundPipe pipe = new InboundPipe(256 * 1024, () -> { }, StreamMeter.NONE);
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ReadHandover handover = new ReadHandover(channel.eventLoop(), StreamBridgeHandler.HOLD_NANOS);
    private final StreamWrites writes = new StreamWrites(channel.eventLoop());
    private final StreamBridgeHandler bridge = bridge(pipe, handover, writes);

    StreamBridgeHandlerTest() {
        channel.pipeline().addLast(bridge);
    }

    @Test
    void dataEndingInAShorterBufferReachesThePipeWhenTheBatchEnds() {
        read(channel, packet(), packet(1100));
        assertThat(pipe.bufferedBytes()).as("collected until the event loop's tasks run").isZero();
        channel.runPendingTasks();
        assertThat(pipe.bufferedBytes()).isEqualTo(2400);
        close();
    }

    @Test
    void anAnnouncedFinalSizeEndsTheInputOnceThatManyBytesArrivedWithoutAFin() throws Exception {
        bridge.peerEndsAt(2600);
        read(channel, packet());
        channel.runPendingTasks();
        assertThat(pipe.isDrained()).as("1300 of 2600 bytes: not the end").isFalse();
        read(channel, packet());
        channel.runPendingTasks();
        byte[] all = new byte[4096];
        assertThat(pipe.read(all, 0, all.length)).isEqualTo(2600);
        assertThat(pipe.read(all, 0, all.length)).as("the end, with no FIN").isEqualTo(-1);
        assertThat(bridge.endedByAnnouncement()).isTrue();
        close();
    }

    @Test
    void anAnnouncementAfterTheDataEndsTheInputAtOnceAndOneAfterTheFinIsIgnored() throws Exception {
        read(channel, packet(10));
        channel.runPendingTasks();
        bridge.peerEndsAt(10);
        byte[] all = new byte[64];
        assertThat(pipe.read(all, 0, all.length)).isEqualTo(10);
        assertThat(pipe.read(all, 0, all.length)).isEqualTo(-1);
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(pipe.read(all, 0, all.length)).as("a late FIN changes nothing").isEqualTo(-1);

        StreamBridgeHandlerTest finFirst = new StreamBridgeHandlerTest();
        finFirst.channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        finFirst.bridge.peerEndsAt(99);
        assertThat(finFirst.bridge.endedByAnnouncement()).isFalse();
        finFirst.close();
        close();
    }

    @Test
    void moreBytesThanAnnouncedFailTheStream() {
        bridge.peerEndsAt(1000);
        read(channel, packet());
        channel.runPendingTasks();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> pipe.read(new byte[4096], 0, 4096))
                .hasMessageContaining("more than the 1000 its peer announced");
        close();
    }

    @Test
    void fullSizedBuffersReachThePipeWhenTheBatchEndsUnlessReadInBulk() {
        read(channel, packet(), packet());
        channel.runPendingTasks();
        assertThat(pipe.bufferedBytes()).as("a message may end on a full packet").isEqualTo(2600);
        close();
    }

    @Test
    void withBulkReadsTheMiddleOfAFlowWaitsForMoreUpToTheHold() {
        bridge.readInBulk(true);
        channel.freezeTime();
        read(channel, packet(), packet());
        channel.runPendingTasks();
        assertThat(pipe.bufferedBytes()).as("ends in a full-sized buffer: more is on its way").isZero();
        read(channel, packet());
        channel.runPendingTasks();
        assertThat(pipe.bufferedBytes()).isZero();
        channel.advanceTimeBy(StreamBridgeHandler.HOLD_NANOS, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertThat(pipe.bufferedBytes()).as("handed over at the latest after the hold").isEqualTo(3900);
        close();
    }

    @Test
    void withBulkReadsEvenASmallBufferWaitsForTheHold() {
        bridge.readInBulk(true);
        channel.freezeTime();
        read(channel, packet(), packet(1200), Unpooled.wrappedBuffer(new byte[64]));
        channel.runPendingTasks();
        assertThat(pipe.bufferedBytes()).as("with many streams, short packets come in the middle of flows").isZero();
        channel.advanceTimeBy(StreamBridgeHandler.HOLD_NANOS, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertThat(pipe.bufferedBytes()).isEqualTo(2564);
        close();
    }

    @Test
    void withBulkReadsTheFinEndsTheHold() throws Exception {
        bridge.readInBulk(true);
        channel.freezeTime();
        read(channel, packet(), packet(100));
        channel.runPendingTasks();
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(pipe.bufferedBytes()).isEqualTo(1400);
        close();
    }

    @Test
    void whenAHoldEndsAWaitingReaderIsWoken() throws Exception {
        bridge.readInBulk(true);
        channel.freezeTime();
        CompletableFuture<Integer> read = startReader(pipe);
        read(channel, packet(), packet());
        channel.runPendingTasks();
        channel.advanceTimeBy(StreamBridgeHandler.HOLD_NANOS, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(2600);
        close();
    }

    @Test
    void aSmallBufferIsHandedOverAtOnceWithWhatCameBefore() {
        read(channel, packet(), Unpooled.wrappedBuffer(new byte[64]));
        assertThat(pipe.bufferedBytes()).isEqualTo(1364);
        close();
    }

    @Test
    void enoughCollectedBytesAreHandedOverWithoutWaitingForTheBatchEnd() {
        for (int i = 0; i < StreamBridgeHandler.PUBLISH_AT / 1300 + 1; i++) {
            read(channel, packet());
        }
        assertThat(pipe.bufferedBytes()).isGreaterThanOrEqualTo(StreamBridgeHandler.PUBLISH_AT);
        close();
    }

    @Test
    void theFinHandsOverCollectedDataFirst() throws Exception {
        read(channel, packet());
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        byte[] dst = new byte[4096];
        assertThat(pipe.read(dst, 0, dst.length)).isEqualTo(1300);
        assertThat(pipe.read(dst, 0, dst.length)).isEqualTo(-1);
        close();
    }

    @Test
    void dataThatWouldFillThePipeIsHandedOverAtOnceAndPausesReading() {
        InboundPipe small = new InboundPipe(2000, () -> { }, StreamMeter.NONE);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(bridge(small, new ReadHandover(ch.eventLoop(), StreamBridgeHandler.HOLD_NANOS),
                new StreamWrites(ch.eventLoop())));
        assertThat(ch.config().isAutoRead()).isTrue();
        read(ch, packet());
        assertThat(small.bufferedBytes()).as("collected: the pipe has room").isZero();
        read(ch, packet());
        assertThat(small.bufferedBytes()).as("handed over as soon as the pipe would fill").isEqualTo(2600);
        assertThat(ch.config().isAutoRead()).isFalse();
        small.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void collectedDataOfAStreamThatDiesIsFreed() {
        ByteBuf buf = packet();
        read(channel, buf);
        channel.close();
        assertThat(buf.refCnt()).isZero();
        pipe.release();
    }

    @Test
    void theHoldsOfAConnectionsStreamsEndTogether() {
        bridge.readInBulk(true);
        channel.freezeTime();
        read(channel, packet(), packet());
        channel.runPendingTasks();
        channel.advanceTimeBy(StreamBridgeHandler.HOLD_NANOS - 1_000_000, TimeUnit.NANOSECONDS);
        // A second stream of the same connection (on the same event loop) starts a flow 1 ms
        // before the first one's hold ends.
        InboundPipe otherPipe = new InboundPipe(256 * 1024, () -> { }, StreamMeter.NONE);
        EmbeddedChannel other = new EmbeddedChannel();
        StreamBridgeHandler otherBridge = bridge(otherPipe, handover, writes);
        other.pipeline().addLast(otherBridge);
        otherBridge.readInBulk(true);
        read(other, packet(), packet());
        channel.runPendingTasks();
        assertThat(pipe.bufferedBytes() + otherPipe.bufferedBytes()).as("both held").isZero();
        channel.advanceTimeBy(1_000_000, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertThat(pipe.bufferedBytes()).isEqualTo(2600);
        assertThat(otherPipe.bufferedBytes()).as("handed over with the first, not 5 ms after its own start")
                .isEqualTo(2600);
        otherPipe.release();
        other.finishAndReleaseAll();
        close();
    }

    @Test
    void ofSmallBuffersInOneBatchTheFirstWakesItsReaderAtOnceTheOthersAtTheBatchEnd() throws Exception {
        InboundPipe secondPipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        InboundPipe thirdPipe = new InboundPipe(1024, () -> { }, StreamMeter.NONE);
        EmbeddedChannel second = new EmbeddedChannel();
        EmbeddedChannel third = new EmbeddedChannel();
        second.pipeline().addLast(bridge(secondPipe, handover, writes));
        third.pipeline().addLast(bridge(thirdPipe, handover, writes));
        CompletableFuture<Integer> first = startReader(pipe);
        CompletableFuture<Integer> secondRead = startReader(secondPipe);
        CompletableFuture<Integer> thirdRead = startReader(thirdPipe);

        read(channel, Unpooled.wrappedBuffer(new byte[10]));
        read(second, Unpooled.wrappedBuffer(new byte[20]));
        read(third, Unpooled.wrappedBuffer(new byte[30]));
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(secondPipe.bufferedBytes() + thirdPipe.bufferedBytes()).as("handed over").isEqualTo(50);
        Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
                .until(() -> !secondRead.isDone() && !thirdRead.isDone());
        channel.runPendingTasks(); // the end of the batch
        assertThat(secondRead.get(10, TimeUnit.SECONDS)).isEqualTo(20);
        assertThat(thirdRead.get(10, TimeUnit.SECONDS)).isEqualTo(30);

        read(second, Unpooled.wrappedBuffer(new byte[5]));
        assertThat(secondPipe.bufferedBytes()).as("a new batch: the first small buffer is handed over at once")
                .isEqualTo(5);
        secondPipe.release();
        thirdPipe.release();
        second.finishAndReleaseAll();
        third.finishAndReleaseAll();
        close();
    }

    @Test
    void aStreamThatClosesWhileHeldIsSkippedWhenTheHoldEnds() {
        bridge.readInBulk(true);
        channel.freezeTime();
        ByteBuf buf = packet();
        read(channel, buf, packet());
        channel.runPendingTasks();
        channel.close();
        assertThat(buf.refCnt()).as("freed with the stream").isZero();
        channel.advanceTimeBy(StreamBridgeHandler.HOLD_NANOS, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertThat(pipe.bufferedBytes()).isZero();
        close();
    }

    /** Starts a virtual-thread read of up to 4 KiB and returns once it waits in the pipe. */
    private static CompletableFuture<Integer> startReader(InboundPipe pipe) {
        CompletableFuture<Integer> read = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                read.complete(pipe.read(new byte[4096], 0, 4096));
            } catch (Throwable e) {
                read.completeExceptionally(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reader.getState() == Thread.State.WAITING);
        return read;
    }

    private static StreamBridgeHandler bridge(InboundPipe pipe, ReadHandover handover, StreamWrites writes) {
        return new StreamBridgeHandler(pipe, new OutboundGate(1024, Duration.ofSeconds(5)), StreamMeter.NONE, handover,
                writes);
    }

    /** Delivers reads as the event loop does, without running its tasks (unlike writeInbound). */
    private static void read(EmbeddedChannel ch, ByteBuf... bufs) {
        for (ByteBuf b : bufs) {
            ch.pipeline().fireChannelRead(b);
        }
    }

    private void close() {
        pipe.release();
        channel.finishAndReleaseAll();
    }

    private static ByteBuf packet() {
        return packet(1300);
    }

    private static ByteBuf packet(int size) {
        return Unpooled.directBuffer(size).writeZero(size);
    }
}

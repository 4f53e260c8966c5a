package dev.superquic.stream.internal;

import dev.superquic.stream.StreamResetException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * Event-loop side of a stream: moves received buffers into the {@link InboundPipe} and reads
 * from QUIC only while the pipe has room, by switching auto-read off when it is full and on again
 * when it drained. (Auto-read takes many buffers per wake-up; an explicit {@code read()} per
 * buffer would also flush the whole connection each time.) The channel must be created with
 * {@code AUTO_READ=false} and {@code ALLOW_HALF_CLOSURE=true}. Never blocks.
 */
public final class StreamBridgeHandler extends ChannelInboundHandlerAdapter {
    private final InboundPipe pipe;
    private final OutboundGate gate;
    private final StreamMeter meter;

    /** Creates the bridge for one stream. */
    public StreamBridgeHandler(InboundPipe pipe, OutboundGate gate, StreamMeter meter) {
        this.pipe = pipe;
        this.gate = gate;
        this.meter = meter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Streams are created with auto-read off so that nothing is read before this handler exists.
        ctx.channel().config().setAutoRead(true);
    }

    /**
     * Consumer thread: the pipe drained below its low-water mark. The switch back to auto-read
     * happens on the event loop and only if the pipe is still not paused: a pause decided in the
     * meantime (also on the event loop) must win, or the stream would stop reading for good.
     */
    static void resume(io.netty.channel.Channel channel, InboundPipe pipe) {
        channel.eventLoop().execute(() -> {
            if (!pipe.isPaused()) {
                channel.config().setAutoRead(true);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        meter.received(buf.readableBytes());
        switch (pipe.offer(buf)) {
            case CONTINUE -> { }
            // A task runs after the event loop has processed all datagrams of this wake-up, so
            // the consumer wakes once per batch of packets rather than once per packet.
            case CONTINUE_AND_WAKE -> ctx.executor().execute(pipe::wakeConsumer);
            // The consumer fell behind: stop reading, so QUIC stops extending the peer's credit.
            // This also ends the current read loop after this buffer: the bound is exceeded by
            // one buffer at most.
            case PAUSE -> ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            pipe.finish();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        IOException failure = cause instanceof QuicStreamResetException reset
                ? new StreamResetException("stream reset by peer (code " + reset.applicationProtocolCode() + ")",
                        reset.applicationProtocolCode(), cause)
                : new StreamResetException("stream failed: " + cause, -1, cause);
        pipe.fail(failure);
        gate.fail(failure);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        StreamResetException closed = new StreamResetException("stream closed before it finished", -1, null);
        pipe.fail(closed);
        gate.fail(closed);
        ctx.fireChannelInactive();
    }
}

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
 * from QUIC only while the pipe has room. Requires {@code AUTO_READ=false} and
 * {@code ALLOW_HALF_CLOSURE=true} on the stream channel. Never blocks.
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
        if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        meter.received(buf.readableBytes());
        if (pipe.offer(buf)) {
            ctx.read();
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

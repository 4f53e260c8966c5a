package dev.superquic.bench.raw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * Baseline server logic on the event loop, for one QUIC stream or one TCP connection. Echo and
 * generate respect writability (QUIC send credit, TCP socket buffer) so memory stays bounded.
 * Over QUIC each side finishes what it will not use at once (see {@link RawProtocol}).
 */
final class RawServerHandler extends ChannelInboundHandlerAdapter {
    private static final ByteBuf PATTERN;

    static {
        byte[] b = new byte[RawProtocol.CHUNK];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        PATTERN = Unpooled.unreleasableBuffer(Unpooled.directBuffer(b.length).writeBytes(b)).asReadOnly();
    }

    private final Consumer<ChannelHandlerContext> finish;
    private final boolean halfClose;
    private byte mode;
    private boolean inputDone;
    /** A failed write means the client stopped reading (QUIC STOP_SENDING) or left. One per stream, not per write. */
    private final ChannelFutureListener stopOnFailedWrite = f -> {
        if (!f.isSuccess()) {
            inputDone = true;
            f.channel().close();
        }
    };

    /**
     * @param finish ends the sending side (QUIC: FIN; TCP: close)
     * @param halfClose whether the transport can finish one direction alone (QUIC)
     */
    RawServerHandler(Consumer<ChannelHandlerContext> finish, boolean halfClose) {
        this.finish = finish;
        this.halfClose = halfClose;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (mode == 0 && buf.isReadable()) {
            mode = buf.readByte();
            if (mode == RawProtocol.GENERATE) {
                pump(ctx);
            } else if (mode == RawProtocol.DISCARD && halfClose) {
                finish.accept(ctx); // nothing to send: an open sending side costs every packet
            }
        }
        if (mode == RawProtocol.ECHO && buf.isReadable()) {
            ctx.write(buf);
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        ReferenceCountUtil.release(buf);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
            if (mode == RawProtocol.GENERATE) {
                pump(ctx);
            }
        }
    }

    private void pump(ChannelHandlerContext ctx) {
        while (!inputDone && ctx.channel().isActive() && ctx.channel().isWritable()) {
            ctx.write(PATTERN.duplicate()).addListener(stopOnFailedWrite);
        }
        ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // With half-close, discard finished its side already and generate runs until stopped.
        boolean finishedEarly = halfClose && (mode == RawProtocol.DISCARD || mode == RawProtocol.GENERATE);
        if (evt instanceof ChannelInputShutdownEvent && !finishedEarly) {
            inputDone = true;
            ctx.flush();
            finish.accept(ctx);
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** TCP has no half-close under TLS here: finishing means closing after the flush. */
    static void closeAfterFlush(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}

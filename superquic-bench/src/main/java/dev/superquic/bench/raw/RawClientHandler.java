package dev.superquic.bench.raw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Baseline client logic, entirely on the event loop (no virtual threads, no blocking bridge):
 * upload, download or ping-pong on one QUIC stream or TCP connection until {@code stop}.
 */
final class RawClientHandler extends ChannelInboundHandlerAdapter {
    private static final ByteBuf CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(RawProtocol.CHUNK).writeZero(RawProtocol.CHUNK));

    private final byte mode;
    private final BooleanSupplier stop;
    private final LongConsumer meter;
    private final int size;
    private final Consumer<ChannelHandlerContext> finishOutput;
    private final Consumer<ChannelHandlerContext> stopReading;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private boolean finishing;
    private int pending;
    private long sentAt;

    /**
     * @param mode {@link RawProtocol} mode byte
     * @param meter gets bytes (upload, download) or round-trip nanoseconds (echo)
     * @param size ping-pong message size
     * @param finishOutput ends our sending side (QUIC: FIN; TCP: close)
     * @param stopReading asks the server to stop sending and closes (QUIC: STOP_SENDING); null
     *     where the transport cannot half-close (TCP), and the client then finishes instead
     */
    RawClientHandler(byte mode, BooleanSupplier stop, LongConsumer meter, int size,
                     Consumer<ChannelHandlerContext> finishOutput, Consumer<ChannelHandlerContext> stopReading) {
        this.mode = mode;
        this.stop = stop;
        this.meter = meter;
        this.size = size;
        this.finishOutput = finishOutput;
        this.stopReading = stopReading;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    private boolean started;

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        ctx.write(Unpooled.wrappedBuffer(new byte[] {mode}));
        switch (mode) {
            case RawProtocol.DISCARD -> pump(ctx);
            case RawProtocol.ECHO -> ping(ctx);
            default -> {
                ctx.flush();
                if (stopReading != null) {
                    finishOutput.accept(ctx); // generate: nothing more to send
                }
            }
        }
    }

    private void pump(ChannelHandlerContext ctx) {
        while (!finishing && ctx.channel().isWritable()) {
            if (stop.getAsBoolean()) {
                finish(ctx);
                return;
            }
            ctx.write(CHUNK.duplicate()).addListener(f -> {
                if (f.isSuccess()) {
                    meter.accept(RawProtocol.CHUNK);
                }
            });
        }
        ctx.flush();
    }

    private void ping(ChannelHandlerContext ctx) {
        if (stop.getAsBoolean()) {
            finish(ctx);
            return;
        }
        pending = size;
        sentAt = System.nanoTime();
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[size]));
    }

    private void finish(ChannelHandlerContext ctx) {
        if (!finishing) {
            finishing = true;
            ctx.flush();
            finishOutput.accept(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        int n = buf.readableBytes();
        ReferenceCountUtil.release(buf);
        if (mode == RawProtocol.GENERATE) {
            if (!finishing) {
                meter.accept(n);
                if (stop.getAsBoolean()) {
                    if (stopReading != null) {
                        finishing = true;
                        stopReading.accept(ctx);
                    } else {
                        finish(ctx);
                    }
                }
            }
        } else if (mode == RawProtocol.ECHO && !finishing) {
            pending -= n;
            if (pending <= 0) {
                meter.accept(System.nanoTime() - sentAt);
                ping(ctx);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (mode == RawProtocol.DISCARD && ctx.channel().isWritable()) {
            pump(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // discard's server finishes its side at once (QUIC); the stream then closes by itself
        // once our FIN is through too.
        if (evt instanceof ChannelInputShutdownEvent && (finishing || mode != RawProtocol.DISCARD)) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!finishing) {
            done.completeExceptionally(cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        done.complete(null);
        ctx.fireChannelInactive();
    }
}

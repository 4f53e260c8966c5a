package dev.superquic.server.internal.connection;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Protocol;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.internal.runtime.Mdc;
import dev.superquic.server.internal.runtime.ServerRuntime;
import dev.superquic.stream.internal.ChannelStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event loop: sets up each stream the peer opens (bounded pipe, state, metrics) and hands it to a
 * virtual thread. Shared by all connections, hence {@code @Sharable} via {@link ChannelInitializer}.
 */
@ChannelHandler.Sharable
public final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
    private static final Logger log = LoggerFactory.getLogger(StreamInitializer.class);
    private final ServerRuntime runtime;

    public StreamInitializer(ServerRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    protected void initChannel(QuicStreamChannel ch) {
        ConnectionState conn = ch.parent().attr(ServerRuntime.CONNECTION).get();
        if (conn == null || ch.type() == QuicStreamType.UNIDIRECTIONAL) {
            // Unidirectional streams are reserved in protocol version 1.
            ch.shutdown(ErrorCode.PROTOCOL_VIOLATION.quicCode()).addListener(f -> ch.close());
            return;
        }
        ServerConfig config = runtime.config();
        boolean control = ch.streamId() == Protocol.CONTROL_STREAM_ID;
        ChannelStream stream = ChannelStream.attach(ch, config.streamBufferBytes(),
                config.streamWriteBufferBytes(), control ? Protocol.MAX_CONTROL_FRAME : config.maxFrameSize(),
                config.streamWriteTimeout(), runtime.metrics());
        stream.frameReadTimeout(config.frameReadTimeout());
        if (!control) {
            // The control stream's frames are small and read at once; a spent budget must not
            // hold up the exchange (pings, goaway) that keeps the connection.
            stream.inboundBudget(conn.inboundMemory());
        }
        StreamState state = new StreamState(conn, stream, control ? StreamState.CONTROL : StreamState.PENDING);
        conn.streams().put(ch.streamId(), state);
        if (control) {
            conn.control(stream);
        }
        runtime.metrics().streamOpened(state.service());
        try (var scope = Mdc.stream(state)) {
            log.debug("stream opened");
        }
        ch.closeFuture().addListener(f -> {
            conn.streams().remove(ch.streamId());
            state.markClosed(runtime.metrics());
            try (var scope = Mdc.stream(state)) {
                log.debug("stream closed");
            }
        });
        if (runtime.isDraining()) {
            stream.reset(ErrorCode.GOING_AWAY);
            return;
        }
        long headerDeadline = System.nanoTime() + config.streamHeaderTimeout().toNanos();
        runtime.handoff().startStream(state, control
                ? () -> runtime.protocol().serveControl(state)
                : () -> runtime.protocol().serveService(state, headerDeadline));
    }
}

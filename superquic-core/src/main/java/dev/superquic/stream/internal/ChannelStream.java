package dev.superquic.stream.internal;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Protocol;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.stream.DuplexStream;
import dev.superquic.stream.StreamResetException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link DuplexStream} over a Netty QUIC stream channel. Created on the event loop (where the
 * bridge handler is installed), then used from exactly one other thread.
 */
public final class ChannelStream implements DuplexStream {
    /** Largest buffer handed to Netty in one write; keeps the in-flight bound meaningful. */
    static final int WRITE_CHUNK = 128 * 1024;
    /** The first allocation for a frame's payload; it doubles as more bytes arrive. */
    static final int FRAME_CHUNK = 64 * 1024;
    /** How long a closed stream keeps reading (and discarding) for the peer's FIN. */
    static final long UNREAD_INPUT_LINGER_MILLIS = 2000;
    /**
     * How long a stream whose input ended by announcement ({@link StreamEnds}) waits for the
     * peer's FIN after its own went out, before it closes its channel itself.
     */
    static final long ANNOUNCED_END_LINGER_MILLIS = 5000;

    private final QuicStreamChannel channel;
    private final InboundPipe pipe;
    private final OutboundGate gate;
    private final int maxFrameSize;
    private final StreamMeter meter;
    private final java.time.Duration writeTimeout;
    private final AtomicBoolean outputFinished = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean aborted;
    private final InputStream input = new PipeInput();
    private final OutputStream output = new GateOutput();
    private volatile ChannelFuture finFuture;
    /** How long a begun frame may take to arrive whole; 0: no bound. */
    private volatile long frameReadTimeoutNanos;
    /** Where frames being received reserve their buffers; null: no bound but the frame limit. */
    private volatile InboundBudget frameBudget;
    private final StreamBridgeHandler bridge;
    /** Every write goes through it, so that data and FIN keep their order. */
    private final StreamWrites writes;
    /** The connection's stream ends: a FIN that leaves alone is announced there. */
    private final StreamEnds ends;
    /** Bytes handed to {@link #writes} so far: the stream's final size once the output finishes. */
    private final AtomicLong queuedBytes = new AtomicLong();

    /**
     * Installs the bridge on {@code channel} and returns the stream. Call on the channel's event
     * loop before it starts reading.
     *
     * @param inboundBufferBytes bound of the inbound pipe
     * @param outboundInFlightBytes bound of bytes written but not yet accepted by QUIC
     * @param maxFrameSize largest frame {@link #readFrame()} accepts
     * @param writeTimeout how long a write (or the final FIN) may wait while the peer takes no
     *     data at all before the stream is reset with WRITE_TIMEOUT
     * @param listener backpressure notifications
     */
    public static ChannelStream attach(QuicStreamChannel channel, long inboundBufferBytes,
                                       long outboundInFlightBytes, int maxFrameSize,
                                       java.time.Duration writeTimeout, StreamMeter listener) {
        channel.config().setAutoRead(false);
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        InboundPipe[] self = new InboundPipe[1];
        InboundPipe pipe = new InboundPipe(inboundBufferBytes, () -> StreamBridgeHandler.resume(channel, self[0]),
                listener);
        self[0] = pipe;
        OutboundGate gate = new OutboundGate(outboundInFlightBytes, writeTimeout);
        StreamWrites writes = StreamWrites.of(channel);
        StreamEnds ends = StreamEnds.of(channel);
        StreamBridgeHandler bridge = new StreamBridgeHandler(pipe, gate, listener, ReadHandover.of(channel), writes);
        ChannelStream stream = new ChannelStream(channel, pipe, gate, bridge, writes, ends, maxFrameSize, writeTimeout,
                listener);
        channel.pipeline().addLast(bridge);
        long id = channel.streamId();
        ends.opened(id, bridge);
        channel.closeFuture().addListener(f -> ends.closed(id));
        return stream;
    }

    private ChannelStream(QuicStreamChannel channel, InboundPipe pipe, OutboundGate gate, StreamBridgeHandler bridge,
                          StreamWrites writes, StreamEnds ends, int maxFrameSize, java.time.Duration writeTimeout,
                          StreamMeter meter) {
        this.bridge = bridge;
        this.writes = writes;
        this.ends = ends;
        this.writeTimeout = writeTimeout;
        this.meter = meter;
        this.channel = channel;
        this.pipe = pipe;
        this.gate = gate;
        this.maxFrameSize = maxFrameSize;
    }

    /** The underlying Netty channel. */
    public QuicStreamChannel channel() {
        return channel;
    }

    /**
     * The stream ends of this stream's connection. On the control stream: tell it to announce
     * lone FINs here ({@link StreamEnds#announceOn}), and hand it the peer's announcements.
     */
    public StreamEnds streamEnds() {
        return ends;
    }

    /** Bytes received and not yet consumed (bounded by the inbound buffer size plus one read). */
    public long bufferedInboundBytes() {
        return pipe.bufferedBytes();
    }

    /**
     * Any thread: the stream's state in one line (inbound pipe, outbound gate, channel), for
     * diagnostics such as a test's message when a stream stalls. Read without the event loop, so
     * the channel's part may be a moment old.
     */
    public String describe() {
        return "stream " + channel.streamId() + ": in[" + pipe.describe() + "] out[in-flight="
                + gate.inFlightBytes() + (outputFinished.get() ? " finished" : "") + (gate.isFailed() ? " failed" : "")
                + "] channel[" + (channel.isActive() ? "active" : "inactive")
                + (channel.config().isAutoRead() ? " auto-read" : "") + (channel.isInputShutdown() ? " input-shut" : "")
                + (channel.isOutputShutdown() ? " output-shut" : "") + "] " + bridge.describe();
    }

    @Override
    public long id() {
        return channel.streamId();
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public byte[] readFrame() throws IOException {
        return readFrame(maxFrameSize, InboundPipe.NO_DEADLINE);
    }

    /** Reads one frame with a specific size limit (control frames use a smaller one). */
    public byte[] readFrame(int limit) throws IOException {
        return readFrame(limit, InboundPipe.NO_DEADLINE);
    }

    /**
     * Reads one frame whose first byte must arrive by {@code deadlineNanos}
     * ({@link System#nanoTime()}, or {@link InboundPipe#NO_DEADLINE}); the rest of it must follow
     * within the frame read timeout ({@link #frameReadTimeout}) and by the deadline.
     *
     * @return the payload, or null if the stream ended before a frame began
     * @throws ReadTimeoutException if the frame, or its start, came too late
     */
    public byte[] readFrame(int limit, long deadlineNanos) throws IOException {
        byte[] prefix = new byte[Protocol.LENGTH_PREFIX_BYTES];
        int first = pipe.read(prefix, 0, prefix.length, deadlineNanos);
        if (first < 0) {
            return null;
        }
        long timeout = frameReadTimeoutNanos;
        long rest = timeout == 0 ? deadlineNanos : Math.min(deadlineNanos, System.nanoTime() + timeout);
        readFully(prefix, first, prefix.length - first, "frame length", rest);
        long length = ((prefix[0] & 0xffL) << 24) | ((prefix[1] & 0xff) << 16)
                | ((prefix[2] & 0xff) << 8) | (prefix[3] & 0xff);
        if (length > limit) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
                    "frame of " + length + " bytes exceeds the limit of " + limit);
        }
        return readPayload((int) length, rest);
    }

    /**
     * From now on, a frame that has begun must be complete within {@code timeout} (zero: no
     * bound), so that a peer cannot hold a partly sent frame, and its buffer, for ever.
     */
    public void frameReadTimeout(java.time.Duration timeout) {
        this.frameReadTimeoutNanos = timeout.toNanos();
    }

    /**
     * Reads a frame payload of {@code length} bytes into an array that grows as they arrive: a
     * length the peer announced is not trusted with memory, so a frame announced and never sent
     * costs {@link #FRAME_CHUNK} bytes, not its length.
     */
    private byte[] readPayload(int length, long deadlineNanos) throws IOException {
        InboundBudget budget = frameBudget;
        long reserved = 0;
        try {
            int size = Math.min(length, FRAME_CHUNK);
            reserved = reserve(budget, size, 0);
            byte[] payload = new byte[size];
            int filled = 0;
            while (filled < length) {
                if (filled == payload.length) {
                    int grown = (int) Math.min(length, 2L * payload.length);
                    reserved = reserve(budget, grown, reserved);
                    payload = Arrays.copyOf(payload, grown);
                }
                int n = pipe.read(payload, filled, payload.length - filled, deadlineNanos);
                if (n < 0) {
                    throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "stream ended inside a frame payload");
                }
                filled += n;
            }
            return payload;
        } finally {
            // Whole, the frame is its reader's; the budget covers frames still arriving.
            if (budget != null) {
                budget.release(reserved);
            }
        }
    }

    /**
     * Grows the reservation for a payload buffer of {@code size} bytes from {@code reserved}: its
     * part beyond {@link InboundPipe#ALLOWANCE}, which small frames (headers, requests) need none
     * of, so that a spent budget fails large frames only.
     */
    private static long reserve(InboundBudget budget, int size, long reserved) throws ProtocolException {
        long due = Math.max(0, size - InboundPipe.ALLOWANCE);
        if (budget != null && due > reserved && !budget.tryReserve(due - reserved)) {
            throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "frames being received hold their memory limit ("
                    + budget.limit() + " bytes for this connection, or the server's)");
        }
        return Math.max(due, reserved);
    }

    /**
     * From now on, input held for the reader counts against {@code budget}: frames being received
     * reserve their buffers as they grow (a frame that does not fit fails with LIMIT_EXCEEDED),
     * and what the stream buffers beyond {@link InboundPipe#ALLOWANCE} is reserved as it arrives
     * (when the budget is spent, the stream stops reading until it has room or has drained to its
     * allowance). Bytes already buffered are reserved with the next ones.
     */
    public void inboundBudget(InboundBudget budget) {
        this.frameBudget = budget;
        pipe.budget(budget);
    }

    private void readFully(byte[] dst, int off, int len, String what, long deadlineNanos) throws IOException {
        while (len > 0) {
            int n = pipe.read(dst, off, len, deadlineNanos);
            if (n < 0) {
                throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "stream ended inside a " + what);
            }
            off += n;
            len -= n;
        }
    }

    @Override
    public void writeFrame(byte[] payload) throws IOException {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > maxFrameSize) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE,
                    "frame of " + payload.length + " bytes exceeds the limit of " + maxFrameSize);
        }
        int total = Protocol.LENGTH_PREFIX_BYTES + payload.length;
        if (total <= WRITE_CHUNK) {
            send(frameBuffer(payload));
        } else {
            ByteBuf prefix = channel.alloc().directBuffer(Protocol.LENGTH_PREFIX_BYTES);
            prefix.writeInt(payload.length);
            send(prefix);
            writeBytes(payload, 0, payload.length);
        }
    }

    /**
     * Any thread, never blocks (event loops may call it): queues a control frame (a hello, a
     * keep-alive) behind everything written so far. It bypasses the in-flight bound, which frames
     * this small and rare cannot matter to; a write that fails (the stream finished or failed
     * meanwhile) is dropped silently.
     *
     * @return false if nothing was queued: the output is finished or the stream failed
     * @throws IllegalArgumentException if {@code payload} exceeds {@link Protocol#MAX_CONTROL_FRAME}
     */
    public boolean offerControlFrame(byte[] payload) {
        if (payload.length > Protocol.MAX_CONTROL_FRAME) {
            throw new IllegalArgumentException("not a control frame: " + payload.length + " bytes");
        }
        if (outputFinished.get() || gate.isFailed() || !channel.isActive()) {
            return false;
        }
        ByteBuf frame = frameBuffer(payload);
        queuedBytes.addAndGet(frame.readableBytes());
        writes.write(channel, frame);
        return true;
    }

    /** One whole frame, length prefix and payload, in one direct buffer. */
    private ByteBuf frameBuffer(byte[] payload) {
        ByteBuf buf = channel.alloc().directBuffer(Protocol.LENGTH_PREFIX_BYTES + payload.length);
        return buf.writeInt(payload.length).writeBytes(payload);
    }

    private void writeBytes(byte[] src, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, src.length);
        while (len > 0) {
            int chunk = Math.min(len, WRITE_CHUNK);
            ByteBuf buf = channel.alloc().directBuffer(chunk);
            buf.writeBytes(src, off, chunk);
            send(buf);
            off += chunk;
            len -= chunk;
        }
    }

    @Override
    public ByteBuf readBuffer() throws IOException {
        return pipe.readBuffer();
    }

    @Override
    public void write(ByteBuf data) throws IOException {
        Objects.requireNonNull(data, "data");
        try {
            // Slices of at most one chunk keep the in-flight bound meaningful, as for byte arrays.
            while (data.isReadable()) {
                send(data.readRetainedSlice(Math.min(data.readableBytes(), WRITE_CHUNK)));
            }
        } finally {
            data.release();
        }
    }

    private void send(ByteBuf buf) throws IOException {
        if (outputFinished.get()) {
            buf.release();
            throw new IOException("stream output already finished");
        }
        int n = buf.readableBytes();
        try {
            gate.acquire(n);
        } catch (OutboundGate.WriteStalledException e) {
            buf.release();
            reset(ErrorCode.WRITE_TIMEOUT);
            throw e;
        } catch (IOException e) {
            buf.release();
            throw e;
        }
        queuedBytes.addAndGet(n);
        writes.write(channel, buf).addListener(f -> {
            gate.release(n);
            if (f.isSuccess()) {
                meter.sent(n);
            } else {
                gate.fail(new StreamResetException("write failed: " + f.cause(), -1, f.cause()));
            }
        });
    }

    @Override
    public void readInBulk(boolean on) {
        bridge.readInBulk(on);
    }

    @Override
    public void finishOutput() {
        if (outputFinished.compareAndSet(false, true)) {
            // Not channel.shutdownOutput(): in Netty 4.2.18 it hands the FIN to quiche directly,
            // ahead of data still queued for send credit, and that data is lost. A FIN frame
            // written like data waits its turn in the queue, and joins the last data if it can.
            // Every byte was queued before this point, by this thread: the count is final.
            long finalSize = queuedBytes.get();
            ChannelFuture fin = writes.writeFin(channel, () -> ends.loneFin(this, finalSize));
            finFuture = fin;
            // Runs after the FIN's write (the task that carries it out was queued first). A FIN
            // needs no flow-control credit, so one still pending with no data ahead of it, after
            // we read the peer's FIN, means quiche refused it: the stream was already complete on
            // its side (the peer stopped our sending after we read its FIN) and Netty would keep
            // the FIN, and the channel, forever. While the peer's FIN is still to come, closing
            // would cut off what the peer has yet to send: close() and its write timeout bound
            // that case instead.
            channel.eventLoop().execute(() -> {
                if (!fin.isDone() && gate.inFlightBytes() == 0 && channel.isInputShutdown()) {
                    bridge.closingLocally("our FIN was refused after the peer's FIN");
                    channel.close();
                }
            });
        }
    }

    @Override
    public void reset(ErrorCode code) {
        aborted = true;
        outputFinished.set(true);
        StreamResetException cause = new StreamResetException("stream reset locally with " + code,
                code.quicCode(), null);
        gate.fail(cause);
        // A reset stream never sees both FINs, so Netty would keep the channel open: close it.
        channel.shutdown(code.quicCode()).addListener(f -> channel.close());
        pipe.release();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean unread = !pipe.isDrained();
        pipe.release();
        if (aborted || !channel.isActive()) {
            return;
        }
        if (unread) {
            // The owner stopped reading before the peer finished: tell the peer to stop sending.
            channel.shutdownInput(ErrorCode.NO_ERROR.quicCode());
        }
        if (gate.isFailed()) {
            // Sending failed (the peer stopped it with STOP_SENDING, typically): no FIN can
            // follow, and a FIN queued on a stopped stream would hold the channel until the
            // write timeout. Nothing is left to deliver, so close now.
            bridge.closingLocally("closed by its owner after sending failed");
            channel.close();
            return;
        }
        finishOutput();
        // Netty closes a stream by itself only once both FINs passed. Without the peer's FIN, or
        // when the peer stopped our sending, close it once our FIN is through or has failed.
        finFuture.addListener(f -> {
            if (!f.isSuccess() || unread) {
                bridge.closingLocally("closed by its owner");
                channel.close();
            } else if (bridge.endedByAnnouncement()) {
                // The peer's FIN may never come (StreamEnds); give a late one time to arrive, so
                // that our own data is acknowledged before closing resets what is left of it.
                channel.eventLoop().schedule(() -> {
                    if (channel.isActive()) {
                        bridge.closingLocally("its end was announced and the peer's FIN never came");
                        channel.close();
                    }
                }, ANNOUNCED_END_LINGER_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
        // A FIN stuck behind data a silent peer never takes must not keep the stream forever.
        channel.eventLoop().schedule(() -> {
            if (channel.isActive() && !finFuture.isDone()) {
                channel.shutdown(ErrorCode.WRITE_TIMEOUT.quicCode()).addListener(f -> channel.close());
            }
        }, writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private final class PipeInput extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = pipe.read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            return pipe.read(b, off, len);
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, pipe.bufferedBytes());
        }
    }

    private final class GateOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            writeBytes(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writeBytes(b, off, len);
        }

        @Override
        public void close() {
            finishOutput();
        }
    }
}

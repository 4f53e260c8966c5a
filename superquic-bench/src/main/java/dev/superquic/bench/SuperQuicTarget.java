package dev.superquic.bench;

import dev.superquic.json.JsonFrames;
import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.stream.DuplexStream;
import dev.superquic.transport.ConnectionStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/** superquic through its client library, against the demo services. */
public final class SuperQuicTarget implements Target {
    private static final int CHUNK = 128 * 1024;
    /**
     * What upload sends, outside the heap and never freed, written as slices without copies:
     * how raw-quic's client sends too, so that both measure the transport, not a copy.
     */
    private static final ByteBuf ZEROS = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(CHUNK)));
    private final SuperQuicClient client;
    private final ClientConfig config;
    private final boolean streamPerRequest;

    /** A target for the server in {@code config} (benchmarks turn reconnects off there). */
    public SuperQuicTarget(ClientConfig config) throws IOException {
        this(config, false);
    }

    /**
     * A target for the server in {@code config}; with {@code streamPerRequest}, rpc opens a
     * stream for every request and finishes both sides (target name {@code superquic-stream-per-request}),
     * as request/response services that use a stream per call do.
     */
    public SuperQuicTarget(ClientConfig config, boolean streamPerRequest) throws IOException {
        this.config = config;
        this.client = new SuperQuicClient(config);
        this.streamPerRequest = streamPerRequest;
    }

    @Override
    public String name() {
        return streamPerRequest ? "superquic-stream-per-request" : "superquic";
    }

    @Override
    public Connection connect() throws IOException {
        return new SqConnection(client.connect(), streamPerRequest);
    }

    @Override
    public void close() {
        client.close();
    }

    private record SqConnection(ClientSession session, boolean streamPerRequest) implements Connection {
        @Override
        public Optional<ConnectionStats> stats() {
            return session.connectionStats();
        }

        /**
         * To {@code sink}, which finishes its side at once: a stream whose sending side stays open
         * costs every packet the server receives (see {@code SinkService}).
         */
        @Override
        public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
            try (DuplexStream s = session.openStream("sink")) {
                while (!stop.getAsBoolean()) {
                    s.write(ZEROS.slice());
                    accepted.accept(CHUNK);
                }
                s.finishOutput();
                ByteBuf answer = s.readBuffer();
                if (answer != null) {
                    answer.release();
                    throw new IOException("sink answered; it should only have finished its side");
                }
            }
        }

        /**
         * One request for more than will ever be read, and our side finished right after it (an
         * open, idle sending side costs every packet we receive); closing the stream unread
         * then stops the server's sending (STOP_SENDING).
         */
        @Override
        public void download(BooleanSupplier stop, LongConsumer received) throws Exception {
            byte[] request = JsonFrames.encode(JsonFrames.mapper().createObjectNode().put("bytes", Long.MAX_VALUE));
            try (DuplexStream s = session.openStream("generate")) {
                s.writeFrame(request);
                s.finishOutput();
                s.readInBulk(true);
                while (!stop.getAsBoolean()) {
                    // Counted where they arrived, as raw-quic's client does: no copy.
                    ByteBuf buf = s.readBuffer();
                    if (buf == null) {
                        throw new IOException("generate ended early");
                    }
                    int n = buf.readableBytes();
                    buf.release();
                    received.accept(n);
                }
            }
        }

        @Override
        public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception {
            byte[] request = new byte[size];
            byte[] response = new byte[size];
            if (streamPerRequest) {
                while (!stop.getAsBoolean()) {
                    long start = System.nanoTime();
                    try (DuplexStream s = session.openStream("echo")) {
                        s.output().write(request);
                        s.finishOutput();
                        if (s.input().readNBytes(response, 0, size) != size || s.input().read() != -1) {
                            throw new IOException("echo answered wrongly");
                        }
                    }
                    roundTripNanos.accept(System.nanoTime() - start);
                }
                return;
            }
            try (DuplexStream s = session.openStream("echo")) {
                while (!stop.getAsBoolean()) {
                    long start = System.nanoTime();
                    s.output().write(request);
                    s.input().readNBytes(response, 0, size);
                    roundTripNanos.accept(System.nanoTime() - start);
                }
                s.finishOutput();
                s.input().transferTo(OutputStream.nullOutputStream());
            }
        }

        @Override
        public void firstByte() throws Exception {
            try (DuplexStream s = session.openStream("echo")) {
                s.output().write(1);
                s.finishOutput();
                s.input().readAllBytes();
            }
        }

        @Override
        public void close() {
            session.close();
        }
    }
}

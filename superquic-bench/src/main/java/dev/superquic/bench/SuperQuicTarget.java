package dev.superquic.bench;

import dev.superquic.json.JsonFrames;
import dev.superquic.client.ClientChannel;
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
    private final Rpc rpc;

    /** How rpc carries its requests and answers. */
    public enum Rpc {
        /** Round trips on one persistent stream to {@code echo}. */
        STREAM("superquic"),
        /**
         * A stream for every request, both sides finished, as request/response services that use
         * a stream per call do.
         */
        STREAM_PER_REQUEST("superquic-stream-per-request"),
        /** Messages on the channel {@code echo}, which sends each back: numbered, acknowledged, replayable. */
        CHANNEL_ECHO("superquic-channel-echo"),
        /**
         * Messages on the channel {@code tally}, which commits a count to the session's state, the
         * delivery and its reply in one store operation (exactly once).
         */
        CHANNEL_TALLY("superquic-channel-tally");

        private final String targetName;

        Rpc(String targetName) {
            this.targetName = targetName;
        }
    }

    /** A target for the server in {@code config} (benchmarks turn reconnects off there). */
    public SuperQuicTarget(ClientConfig config) throws IOException {
        this(config, Rpc.STREAM);
    }

    /** A target for the server in {@code config} whose rpc goes as {@code rpc} says. */
    public SuperQuicTarget(ClientConfig config, Rpc rpc) throws IOException {
        this.config = config;
        this.client = new SuperQuicClient(config);
        this.rpc = rpc;
    }

    @Override
    public String name() {
        return rpc.targetName;
    }

    @Override
    public Connection connect() throws IOException {
        return new SqConnection(client.connect(), rpc);
    }

    @Override
    public void close() {
        client.close();
    }

    private record SqConnection(ClientSession session, Rpc rpc) implements Connection {
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
            if (rpc == Rpc.CHANNEL_ECHO || rpc == Rpc.CHANNEL_TALLY) {
                // One channel per session: rpc over channels runs one stream per connection.
                ClientChannel channel = session.channel(rpc == Rpc.CHANNEL_ECHO ? "echo" : "tally");
                byte[] message = new byte[Math.max(size, Long.BYTES)];
                for (long n = 1; !stop.getAsBoolean(); n++) {
                    long start = System.nanoTime();
                    ByteBuffer.wrap(message).putLong(0, n); // tally counts them
                    channel.send(message);
                    if (channel.receive().payload().length != message.length) {
                        throw new IOException("the channel answered wrongly");
                    }
                    roundTripNanos.accept(System.nanoTime() - start);
                }
                return;
            }
            if (rpc == Rpc.STREAM_PER_REQUEST) {
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

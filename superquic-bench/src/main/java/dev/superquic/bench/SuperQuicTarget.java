package dev.superquic.bench;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.protocol.Messages;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/** superquic through its client library, against the demo services. */
public final class SuperQuicTarget implements Target {
    /** Bytes asked of {@code generate} per request while downloading. */
    private static final long DOWNLOAD_REQUEST = 8L * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;
    private final SuperQuicClient client;
    private final ClientConfig config;

    /** A target for the server in {@code config} (benchmarks turn reconnects off there). */
    public SuperQuicTarget(ClientConfig config) throws IOException {
        this.config = config;
        this.client = new SuperQuicClient(config);
    }

    @Override
    public String name() {
        return "superquic";
    }

    @Override
    public Connection connect() throws IOException {
        return new SqConnection(client.connect());
    }

    @Override
    public void close() {
        client.close();
    }

    private record SqConnection(ClientSession session) implements Connection {
        @Override
        public void upload(BooleanSupplier stop, LongConsumer accepted) throws Exception {
            byte[] chunk = new byte[CHUNK];
            try (DuplexStream s = session.openStream("discard")) {
                OutputStream out = s.output();
                while (!stop.getAsBoolean()) {
                    out.write(chunk);
                    accepted.accept(chunk.length);
                }
                s.finishOutput();
                s.readFrame();
            }
        }

        @Override
        public void download(BooleanSupplier stop, LongConsumer received) throws Exception {
            byte[] buf = new byte[CHUNK];
            byte[] request = Messages.encodeTree(Messages.mapper().createObjectNode().put("bytes", DOWNLOAD_REQUEST));
            try (DuplexStream s = session.openStream("generate")) {
                InputStream in = s.input();
                while (!stop.getAsBoolean()) {
                    s.writeFrame(request);
                    long left = DOWNLOAD_REQUEST;
                    while (left > 0) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new IOException("generate ended early");
                        }
                        left -= n;
                        received.accept(n);
                    }
                }
                s.finishOutput();
                in.transferTo(OutputStream.nullOutputStream());
            }
        }

        @Override
        public void pingPong(int size, BooleanSupplier stop, LongConsumer roundTripNanos) throws Exception {
            byte[] request = new byte[size];
            byte[] response = new byte[size];
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

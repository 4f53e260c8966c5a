package dev.superquic.bench.soak;

import dev.superquic.json.JsonFrames;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.superquic.client.ClientSession;
import dev.superquic.stream.DuplexStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One transfer of a soak run: opens its streams, moves and checks its bytes. {@link #run()}
 * returns whether the right bytes came back; it may block for as long as the path stalls, and
 * the soak bounds it from outside.
 */
abstract class Transfer {
    /** The streams of this transfer, for the report of a stall. */
    private final List<DuplexStream> streams = new CopyOnWriteArrayList<>();
    protected final ClientSession session;
    protected final SplittableRandom random;

    Transfer(ClientSession session, long seed) {
        this.session = session;
        this.random = new SplittableRandom(seed);
    }

    /** Moves the bytes and checks them; true if they are right. */
    abstract boolean run() throws Exception;

    /** Opens a stream to {@code service} and keeps it for {@link #describe()}. */
    protected DuplexStream open(String service) throws IOException {
        DuplexStream s = session.openStream(service);
        streams.add(s);
        return s;
    }

    List<DuplexStream> streams() {
        return streams;
    }

    /** The client's state of this transfer's streams. */
    String describe() {
        List<String> states = new ArrayList<>();
        for (DuplexStream s : streams) {
            states.add(Soak.describe(s));
        }
        return states.isEmpty() ? "no stream opened" : String.join(" | ", states);
    }

    /** Gives up on a stalled transfer: resets its streams. */
    void abort() {
        for (DuplexStream s : streams) {
            s.reset(dev.superquic.protocol.ErrorCode.NO_ERROR);
            s.close();
        }
    }

    protected byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A transfer of a given number of bytes. */
    abstract static class Sized extends Transfer {
        protected final int bytes;

        Sized(ClientSession session, int bytes, long seed) {
            super(session, seed);
            this.bytes = bytes;
        }
    }

    /** {@code echo}: random bytes up and the same back, written and read at once. */
    static final class Echo extends Sized {
        Echo(ClientSession session, int bytes, long seed) {
            super(session, bytes, seed);
        }

        @Override
        boolean run() throws Exception {
            return echo(open("echo"), randomBytes(bytes));
        }

        static boolean echo(DuplexStream s, byte[] payload) throws Exception {
            try (s; ExecutorService reader = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<byte[]> back = reader.submit(() -> s.input().readAllBytes());
                s.output().write(payload);
                s.finishOutput();
                return Arrays.equals(back.get(), payload);
            }
        }
    }

    /** {@code kv}: a put and a get of a random value on one stream, then the end. */
    static final class Kv extends Transfer {
        private final long n;

        Kv(ClientSession session, long n) {
            super(session, n);
            this.n = n;
        }

        @Override
        boolean run() throws Exception {
            String key = "soak-" + (n % 64);
            String value = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
            try (DuplexStream s = open("kv")) {
                ObjectNode put = JsonFrames.mapper().createObjectNode().put("op", "put").put("key", key).put("value", value);
                s.writeFrame(JsonFrames.encode(put));
                boolean stored = "ok".equals(JsonFrames.parseObject(s.readFrame()).path("type").asText());
                s.writeFrame(JsonFrames.encode(JsonFrames.mapper().createObjectNode().put("op", "get").put("key", key)));
                s.finishOutput();
                ObjectNode got = JsonFrames.parseObject(s.readFrame());
                return stored && value.equals(got.path("value").asText()) && s.readFrame() == null;
            }
        }
    }

    /** {@code up}: bulk bytes to {@code discard}, which must count every one. */
    static final class Up extends Sized {
        Up(ClientSession session, int bytes, long seed) {
            super(session, bytes, seed);
        }

        @Override
        boolean run() throws Exception {
            byte[] chunk = randomBytes(Math.min(bytes, 64 * 1024));
            try (DuplexStream s = open("discard")) {
                for (int left = bytes; left > 0; left -= chunk.length) {
                    s.output().write(chunk, 0, Math.min(left, chunk.length));
                }
                s.finishOutput();
                return JsonFrames.parseObject(s.readFrame()).path("bytes").asLong() == bytes && s.readFrame() == null;
            }
        }
    }

    /** {@code down}: bulk bytes from {@code generate}, whose pattern must arrive unbroken. */
    static final class Down extends Sized {
        Down(ClientSession session, int bytes, long seed) {
            super(session, bytes, seed);
        }

        @Override
        boolean run() throws Exception {
            try (DuplexStream s = open("generate")) {
                s.writeFrame(JsonFrames.encode(JsonFrames.mapper().createObjectNode().put("bytes", bytes)));
                s.finishOutput();
                byte[] buf = new byte[64 * 1024];
                long at = 0;
                for (int n; (n = s.input().read(buf)) > 0;) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != (byte) (at + i)) {
                            return false;
                        }
                    }
                    at += n;
                }
                return at == bytes;
            }
        }
    }

    /** {@code streams}: 100 echoes of 64 KiB at once on one connection. */
    static final class ManyStreams extends Transfer {
        static final int STREAMS = 100;
        static final int BYTES = 64 * 1024;

        ManyStreams(ClientSession session, long seed) {
            super(session, seed);
        }

        @Override
        boolean run() throws Exception {
            try (ExecutorService echoes = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    byte[] payload = randomBytes(BYTES);
                    results.add(echoes.submit(() -> Echo.echo(open("echo"), payload)));
                }
                boolean all = true;
                for (Future<Boolean> r : results) {
                    all &= r.get();
                }
                return all;
            }
        }
    }
}

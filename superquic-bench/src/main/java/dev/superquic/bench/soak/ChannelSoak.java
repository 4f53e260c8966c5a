package dev.superquic.bench.soak;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.client.ClientChannel;
import dev.superquic.client.ClientSession;
import dev.superquic.json.JsonFrames;
import dev.superquic.stream.DuplexStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A channel soak: {@code count} numbered messages to the server's {@code tally} channel, which
 * counts them (exactly once, in the session's state) and sends each back. Whatever the path or the
 * server does meanwhile (loss, blackholes, a {@code kill -9}, a move to another node), every
 * message must be counted once, in order, and come back once, in order: the outcome counts what
 * was lost, duplicated or out of order, on both sides.
 */
public final class ChannelSoak {
    /**
     * What came of it.
     *
     * @param count messages sent, each way expected
     * @param received replies received (duplicates included)
     * @param lost replies that never came
     * @param duplicated replies that came more than once
     * @param reordered replies that came after a later one
     * @param serverCounted messages the server counted ({@code tally}'s next minus one)
     * @param serverProblems messages the server got out of turn (a repeat, a gap, a reordering)
     * @param reconnects connections the session needed after the first
     * @param elapsed wall time
     */
    public record Outcome(long count, long received, long lost, long duplicated, long reordered, long serverCounted,
                          long serverProblems, long reconnects, Duration elapsed) {
        /** Whether both directions were lossless, exactly once and in order. */
        public boolean clean() {
            return lost == 0 && duplicated == 0 && reordered == 0 && serverCounted == count && serverProblems == 0
                    && received == count;
        }

        /** One line. */
        public String summary() {
            return String.format(Locale.ROOT, "channel: %d messages each way in %.1f s, %d reconnects: server counted %d"
                            + " (%d out of turn); client got %d back: %d lost, %d duplicated, %d out of order",
                    count, elapsed.toMillis() / 1000.0, reconnects, serverCounted, serverProblems, received, lost,
                    duplicated, reordered);
        }
    }

    private final ClientSession session;
    private final long count;
    private final int size;
    private final Duration stallTimeout;
    private final LongSupplier reconnects;
    private final Consumer<String> progress;

    /**
     * Prepares a run.
     *
     * @param size bytes per message (at least 8: the number)
     * @param stallTimeout how long the run may go without a reply before it gives up
     * @param reconnects the session's reconnects so far
     * @param progress receives a progress line every few seconds
     */
    public ChannelSoak(ClientSession session, long count, int size, Duration stallTimeout, LongSupplier reconnects,
                       Consumer<String> progress) {
        if (count < 1 || count > Integer.MAX_VALUE || size < Long.BYTES) {
            throw new IllegalArgumentException("count must be positive and size at least 8 bytes");
        }
        this.session = session;
        this.count = count;
        this.size = size;
        this.stallTimeout = stallTimeout;
        this.reconnects = reconnects;
        this.progress = progress;
    }

    /** Sends and receives everything, or gives up after the stall timeout without a reply. */
    public Outcome run() throws Exception {
        long start = System.nanoTime();
        long reconnectsBefore = reconnects.getAsLong();
        ClientChannel channel = session.channel("tally");
        BitSet seen = new BitSet();
        long distinct = 0;
        long received = 0;
        long duplicated = 0;
        long reordered = 0;
        long highest = 0;
        try (ExecutorService sender = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> sending = sender.submit(() -> {
                for (long n = 1; n <= count; n++) {
                    byte[] message = new byte[size];
                    ByteBuffer.wrap(message).putLong(n);
                    channel.send(message); // waits while the replay buffer is full
                }
                return null;
            });
            long lastProgress = System.nanoTime();
            long nextReport = lastProgress + TimeUnit.SECONDS.toNanos(5);
            while (distinct < count && System.nanoTime() - lastProgress < stallTimeout.toNanos()) {
                Optional<ChannelMessage> m = channel.receive(Duration.ofSeconds(1));
                if (System.nanoTime() - nextReport >= 0) {
                    progress.accept(String.format(Locale.ROOT, "soak channel: %d/%d back, %.0f s, %d reconnects",
                            distinct, count, (System.nanoTime() - start) / 1e9,
                            reconnects.getAsLong() - reconnectsBefore));
                    nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                }
                if (m.isEmpty()) {
                    continue;
                }
                lastProgress = System.nanoTime();
                received++;
                int n = (int) ByteBuffer.wrap(m.get().payload()).getLong();
                if (seen.get(n)) {
                    duplicated++;
                } else {
                    distinct++;
                    if (n < highest) {
                        reordered++;
                    }
                }
                seen.set(n);
                highest = Math.max(highest, n);
            }
            if (sending.isDone()) {
                sending.get(); // a failed send is the run's failure
            } else {
                sending.cancel(true);
            }
        }
        long[] tally = serverTally();
        return new Outcome(count, received, count - distinct, duplicated, reordered, tally[0] - 1, tally[1],
                reconnects.getAsLong() - reconnectsBefore, Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * {@code tally} of the session's state, read with {@code kv}: next expected, and messages out
     * of turn. Tried again while the path's faults break it, up to the stall timeout.
     */
    private long[] serverTally() throws Exception {
        long deadline = System.nanoTime() + stallTimeout.toNanos();
        while (true) {
            try {
                return readTally();
            } catch (java.io.IOException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                progress.accept("soak channel: reading the server's tally failed (" + e.getMessage() + "); again");
            }
        }
    }

    private long[] readTally() throws Exception {
        try (DuplexStream kv = session.openStream("kv")) {
            kv.writeFrame(JsonFrames.encode(JsonFrames.mapper().createObjectNode().put("op", "get").put("key", "tally")));
            kv.finishOutput();
            String value = JsonFrames.parseObject(kv.readFrame()).path("value").asText("1 0");
            String[] parts = value.split(" ");
            return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        }
    }
}

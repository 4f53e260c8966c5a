package dev.superquic.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback UDP relay for fault tests and soak runs: clients talk to {@link #address()}, the
 * relay forwards to the target through one upstream socket per client, and can pass, drop a share
 * of (per direction), delay with jitter (which reorders), duplicate, or blackhole packets, for good
 * or in periodic windows, and drop datagrams larger than a path would carry. Real sockets, real
 * packets; no QUIC types involved.
 */
public final class UdpRelay implements AutoCloseable {
    /** What the relay does with packets. */
    public enum Mode {
        /** Forward everything. */
        PASS,
        /** Drop everything. */
        BLACKHOLE,
        /** Drop the share given by {@link #dropRate(double)}. */
        LOSSY
    }

    private final DatagramChannel front;
    private final InetSocketAddress target;
    private final Map<SocketAddress, DatagramChannel> upstreams = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong oversized = new AtomicLong();
    private final AtomicInteger largestToTarget = new AtomicInteger();
    private final AtomicInteger largestFromTarget = new AtomicInteger();
    private final AtomicInteger largestDeliveredToTarget = new AtomicInteger();
    private final AtomicInteger largestDeliveredFromTarget = new AtomicInteger();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong bytesToTarget = new AtomicLong();
    private final AtomicLong bytesFromTarget = new AtomicLong();
    private final AtomicLong toTargetLeft = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong duplicated = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService delayed;
    private volatile int pathMaxPayload = Integer.MAX_VALUE;
    private volatile Mode mode = Mode.PASS;
    private volatile double dropToTarget;
    private volatile double dropFromTarget;
    private volatile double duplicateRate;
    private volatile long delayNanos;
    private volatile long jitterNanos;
    private volatile long blackholeEveryNanos;
    private volatile long blackholeForNanos;
    private volatile boolean closed;

    /** Starts a relay on 127.0.0.1 (free port) in front of {@code target}. */
    public UdpRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        front.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("udp-relay-delay").factory());
        scheduler.setRemoveOnCancelPolicy(true);
        this.delayed = scheduler;
        Thread.ofPlatform().daemon().name("udp-relay-front").start(this::pumpFront);
    }

    /** Where clients should send. */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) front.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Changes the mode for packets from now on. */
    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** Share of packets dropped in {@link Mode#LOSSY} (0..1), each direction. */
    public void dropRate(double rate) {
        dropRates(rate, rate);
    }

    /** Shares of packets dropped in {@link Mode#LOSSY} (0..1): towards the target, and back. */
    public void dropRates(double toTarget, double fromTarget) {
        this.dropToTarget = checkShare(toTarget);
        this.dropFromTarget = checkShare(fromTarget);
    }

    /** Share of forwarded packets sent twice (0..1), both directions. */
    public void duplicateRate(double rate) {
        this.duplicateRate = checkShare(rate);
    }

    /**
     * Delays every forwarded packet by {@code delay} plus a uniformly drawn part of {@code jitter};
     * a jitter above the gap between packets reorders them.
     */
    public void delay(Duration delay, Duration jitter) {
        this.delayNanos = delay.toNanos();
        this.jitterNanos = jitter.toNanos();
    }

    /**
     * Drops everything, both ways, for the last {@code length} of every {@code every}, counted from
     * the relay's start (a path that goes dark now and then, after a first connect had time);
     * {@code Duration.ZERO} turns it off.
     */
    public void blackholeWindows(Duration every, Duration length) {
        if (!every.isZero() && length.compareTo(every) >= 0) {
            throw new IllegalArgumentException("a blackhole window must be shorter than its period");
        }
        this.blackholeForNanos = length.toNanos();
        this.blackholeEveryNanos = every.toNanos();
    }

    private static double checkShare(double share) {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("a share must be between 0 and 1, got " + share);
        }
        return share;
    }

    /**
     * From now on forwards at most {@code datagrams} more datagrams towards the target (then
     * drops them), as a path that carries a client's first packet and nothing after it.
     */
    public void limitToTarget(long datagrams) {
        toTargetLeft.set(datagrams);
    }

    /** Payload bytes forwarded towards the target so far. */
    public long bytesToTarget() {
        return bytesToTarget.get();
    }

    /** Payload bytes forwarded back from the target so far. */
    public long bytesFromTarget() {
        return bytesFromTarget.get();
    }

    /** Packets forwarded so far (duplicates counted once). */
    public long forwarded() {
        return forwarded.get();
    }

    /** Packets sent a second time so far. */
    public long duplicated() {
        return duplicated.get();
    }

    /**
     * From now on drops datagrams with payloads over {@code maxPayload} bytes in both directions,
     * as a hop with a smaller MTU does (1472 for a 1500-byte IPv4 link).
     */
    public void pathMaxPayload(int maxPayload) {
        this.pathMaxPayload = maxPayload;
    }

    /** Packets dropped so far, by the mode or for their size. */
    public long dropped() {
        return dropped.get();
    }

    /** Packets dropped so far for being larger than {@link #pathMaxPayload(int)}. */
    public long oversized() {
        return oversized.get();
    }

    /** Largest datagram payload seen from the clients towards the target. */
    public int largestToTarget() {
        return largestToTarget.get();
    }

    /** Largest datagram payload seen from the target back to the clients. */
    public int largestFromTarget() {
        return largestFromTarget.get();
    }

    /** Largest datagram payload passed on to the target. */
    public int largestDeliveredToTarget() {
        return largestDeliveredToTarget.get();
    }

    /** Largest datagram payload passed back to the clients. */
    public int largestDeliveredFromTarget() {
        return largestDeliveredFromTarget.get();
    }

    /** Whether to forward a datagram of {@code size} bytes; records what it decides. */
    private boolean pass(int size, double dropRate, AtomicInteger largestSeen, AtomicInteger largestDelivered) {
        largestSeen.accumulateAndGet(size, Math::max);
        if (size > pathMaxPayload) {
            oversized.incrementAndGet();
            dropped.incrementAndGet();
            return false;
        }
        Mode m = mode;
        boolean ok = m == Mode.PASS || (m == Mode.LOSSY && ThreadLocalRandom.current().nextDouble() >= dropRate);
        if (!ok || inBlackholeWindow()) {
            dropped.incrementAndGet();
            return false;
        }
        largestDelivered.accumulateAndGet(size, Math::max);
        forwarded.incrementAndGet();
        return true;
    }

    private boolean inBlackholeWindow() {
        long every = blackholeEveryNanos;
        return every > 0 && (System.nanoTime() - startNanos) % every >= every - blackholeForNanos;
    }

    /** Sends {@code buf} now or after the configured delay, once or twice. */
    private void forward(DatagramChannel channel, ByteBuffer buf, SocketAddress to) throws IOException {
        int copies = duplicateRate > 0 && ThreadLocalRandom.current().nextDouble() < duplicateRate ? 2 : 1;
        if (copies == 2) {
            duplicated.incrementAndGet();
        }
        long delay = delayNanos + (jitterNanos > 0 ? ThreadLocalRandom.current().nextLong(jitterNanos) : 0);
        if (delay == 0) {
            for (int i = 0; i < copies; i++) {
                channel.send(buf.duplicate(), to);
            }
            return;
        }
        ByteBuffer copy = ByteBuffer.allocate(buf.remaining()).put(buf).flip();
        for (int i = 0; i < copies; i++) {
            delayed.schedule(() -> {
                try {
                    channel.send(copy.duplicate(), to);
                } catch (IOException e) {
                    // closed meanwhile: the packet is lost, as on a real path
                }
            }, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void pumpFront() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress client = front.receive(buf);
                buf.flip();
                if (!pass(buf.remaining(), dropToTarget, largestToTarget, largestDeliveredToTarget)) {
                    continue;
                }
                if (toTargetLeft.getAndDecrement() <= 0) {
                    dropped.incrementAndGet();
                    continue;
                }
                bytesToTarget.addAndGet(buf.remaining());
                forward(upstream(client), buf, target);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private DatagramChannel upstream(SocketAddress client) throws IOException {
        DatagramChannel up = upstreams.get(client);
        if (up != null) {
            return up;
        }
        // Towards a loopback target from loopback; towards any other from the address the route
        // chooses (a socket bound to 127.0.0.1 cannot reach a server in another network namespace).
        InetSocketAddress local = target.getAddress().isLoopbackAddress() ? new InetSocketAddress("127.0.0.1", 0)
                : new InetSocketAddress(0);
        DatagramChannel created = DatagramChannel.open().bind(local);
        created.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        upstreams.put(client, created);
        Thread.ofPlatform().daemon().name("udp-relay-back").start(() -> pumpBack(created, client));
        return created;
    }

    private void pumpBack(DatagramChannel up, SocketAddress client) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (!closed) {
            try {
                buf.clear();
                up.receive(buf);
                buf.flip();
                if (pass(buf.remaining(), dropFromTarget, largestFromTarget, largestDeliveredFromTarget)) {
                    bytesFromTarget.addAndGet(buf.remaining());
                    forward(front, buf, client);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        delayed.shutdownNow();
        front.close();
        for (DatagramChannel up : upstreams.values()) {
            up.close();
        }
    }
}

package dev.superquic.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback UDP relay for fault tests: clients talk to {@link #address()}, the relay forwards to
 * the target through one upstream socket per client, and can pass, drop a share of, or blackhole
 * packets in both directions, and drop datagrams larger than a path would carry. Real sockets,
 * real packets; no QUIC types involved.
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
    private volatile int pathMaxPayload = Integer.MAX_VALUE;
    private volatile Mode mode = Mode.PASS;
    private volatile double dropRate;
    private volatile boolean closed;

    /** Starts a relay on 127.0.0.1 (free port) in front of {@code target}. */
    public UdpRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        front.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
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

    /** Share of packets dropped in {@link Mode#LOSSY} (0..1). */
    public void dropRate(double rate) {
        this.dropRate = rate;
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
    private boolean pass(int size, AtomicInteger largestSeen, AtomicInteger largestDelivered) {
        largestSeen.accumulateAndGet(size, Math::max);
        if (size > pathMaxPayload) {
            oversized.incrementAndGet();
            dropped.incrementAndGet();
            return false;
        }
        Mode m = mode;
        boolean ok = m == Mode.PASS || (m == Mode.LOSSY && ThreadLocalRandom.current().nextDouble() >= dropRate);
        if (!ok) {
            dropped.incrementAndGet();
            return false;
        }
        largestDelivered.accumulateAndGet(size, Math::max);
        return true;
    }

    private void pumpFront() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress client = front.receive(buf);
                buf.flip();
                if (!pass(buf.remaining(), largestToTarget, largestDeliveredToTarget)) {
                    continue;
                }
                upstream(client).send(buf, target);
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
        DatagramChannel created = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
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
                if (pass(buf.remaining(), largestFromTarget, largestDeliveredFromTarget)) {
                    front.send(buf, client);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        front.close();
        for (DatagramChannel up : upstreams.values()) {
            up.close();
        }
    }
}

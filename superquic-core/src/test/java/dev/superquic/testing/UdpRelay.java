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
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback UDP relay for fault tests: clients talk to {@link #address()}, the relay forwards to
 * the target through one upstream socket per client, and can pass, drop a share of, or blackhole
 * packets in both directions. Real sockets, real packets; no QUIC types involved.
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
    private final java.util.concurrent.atomic.AtomicInteger largestToTarget = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger largestFromTarget = new java.util.concurrent.atomic.AtomicInteger();
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

    /** Packets dropped so far. */
    public long dropped() {
        return dropped.get();
    }

    /** Largest datagram payload seen from the clients towards the target. */
    public int largestToTarget() {
        return largestToTarget.get();
    }

    /** Largest datagram payload seen from the target back to the clients. */
    public int largestFromTarget() {
        return largestFromTarget.get();
    }

    private boolean pass() {
        Mode m = mode;
        boolean ok = m == Mode.PASS || (m == Mode.LOSSY && ThreadLocalRandom.current().nextDouble() >= dropRate);
        if (!ok) {
            dropped.incrementAndGet();
        }
        return ok;
    }

    private void pumpFront() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress client = front.receive(buf);
                buf.flip();
                largestToTarget.accumulateAndGet(buf.remaining(), Math::max);
                if (!pass()) {
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
                largestFromTarget.accumulateAndGet(buf.remaining(), Math::max);
                if (pass()) {
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

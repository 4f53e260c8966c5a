package dev.superquic.server.internal.connection;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the QUIC connections the server holds, in total and per source address, counted from the
 * first packet (handshakes and connections that never say hello hold memory too) until the
 * connection is freed. Thread-safe: the event loops of all sockets share it.
 */
public final class ConnectionLimits {
    /** Why a connection was refused; the tag of {@code superquic_connections_refused_total}. */
    public enum Refusal {
        TOTAL, PER_ADDRESS;

        public String tag() {
            return this == TOTAL ? "total" : "per_address";
        }
    }

    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    public ConnectionLimits(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /**
     * Counts a new connection from {@code address}, or refuses it.
     *
     * @return null if admitted (call {@link #release} when it ends), else why not
     */
    public Refusal admit(InetAddress address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Refusal.TOTAL;
        }
        AtomicInteger count = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (count.incrementAndGet() > maxPerAddress) {
            release(address);
            return Refusal.PER_ADDRESS;
        }
        return null;
    }

    /** Connections held now, handshakes included: what the limits count. */
    public int held() {
        return total.get();
    }

    /** An admitted connection from {@code address} ended. */
    public void release(InetAddress address) {
        total.decrementAndGet();
        perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() == 0 ? null : count);
    }
}

package dev.superquic.client.internal;

import dev.superquic.transport.ConnectionStats;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicTransportParameters;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Notices a client connection whose path stopped carrying its packets while smaller ones still
 * get through. With PMTU discovery quiche keeps the packet size it found for good; when the path later
 * carries less, every full packet is lost, but acknowledgements and other small packets pass.
 * Those keep both ends' idle timers going (RFC 9000, 10.1), so the idle timeout that would end the
 * dead connection may never come: measured on loopback, a client sent about 350 packets a second,
 * nearly all lost, for as long as it had data.
 *
 * <p>The watch samples the connection's counters eight times per idle timeout. When, over the
 * last half of an idle timeout, packets still arrived but at least 90 % of the bytes sent (and at
 * least {@value #MIN_LOST_PACKETS} packets) were lost, it reports the black hole, once; the caller
 * closes the connection, and the session resumes on a new one, which discovers the path afresh. A
 * path that carries nothing at all is left to the idle timeout (nothing arrives), and random
 * loss, even heavy, loses far less than 90 % of the bytes.
 *
 * <p>Confined to the connection's event loop.
 */
final class PathWatch {
    /** Samples per idle timeout. */
    static final int SAMPLES_PER_IDLE_TIMEOUT = 8;
    /** Samples the window spans: half an idle timeout. */
    static final int WINDOW_SAMPLES = SAMPLES_PER_IDLE_TIMEOUT / 2;
    /** Fewest packets lost in the window for a black hole. */
    static final long MIN_LOST_PACKETS = 8;
    /** Shortest interval between samples, for very short idle timeouts. */
    static final long MIN_INTERVAL_MILLIS = 25;

    private final QuicChannel quic;
    private final Consumer<String> onBlackHole;
    private final ArrayDeque<ConnectionStats> window = new ArrayDeque<>();
    private final Duration windowLength;
    private ScheduledFuture<?> samples;

    private PathWatch(QuicChannel quic, Duration windowLength, Consumer<String> onBlackHole) {
        this.quic = quic;
        this.windowLength = windowLength;
        this.onBlackHole = onBlackHole;
    }

    /**
     * Event loop, once the handshake is done: watches {@code quic} until it closes or a black hole
     * is reported.
     *
     * @param ownIdleTimeout the idle timeout this side announced
     * @param onBlackHole told, on the event loop, what was seen (a sentence fragment for a close
     *     reason)
     */
    static void start(QuicChannel quic, Duration ownIdleTimeout, Consumer<String> onBlackHole) {
        if (!quic.isActive()) {
            return;
        }
        long idle = negotiatedIdleMillis(quic, ownIdleTimeout);
        long interval = Math.max(MIN_INTERVAL_MILLIS, idle / SAMPLES_PER_IDLE_TIMEOUT);
        PathWatch watch = new PathWatch(quic, Duration.ofMillis(interval * WINDOW_SAMPLES), onBlackHole);
        watch.samples = quic.eventLoop().scheduleAtFixedRate(watch::sample, interval, interval, TimeUnit.MILLISECONDS);
        quic.closeFuture().addListener(f -> watch.samples.cancel(false));
    }

    /**
     * The idle timeout in force on {@code quic}, in milliseconds: the smaller of the two announced,
     * ignoring a peer's 0 (none).
     */
    static long negotiatedIdleMillis(QuicChannel quic, Duration ownIdleTimeout) {
        QuicTransportParameters peer = quic.peerTransportParameters();
        return negotiatedIdleMillis(ownIdleTimeout.toMillis(), peer != null ? peer.maxIdleTimeout() : 0);
    }

    /** The smaller of two announced idle timeouts, ignoring a peer's 0 (none). */
    static long negotiatedIdleMillis(long ownMillis, long peerMillis) {
        return peerMillis > 0 ? Math.min(ownMillis, peerMillis) : ownMillis;
    }

    private void sample() {
        ConnectionStats.of(quic).thenAccept(stats -> {
            window.addLast(stats);
            if (window.size() <= WINDOW_SAMPLES) {
                return;
            }
            ConnectionStats oldest = window.removeFirst();
            String blackHole = blackHole(oldest, stats, windowLength);
            if (blackHole != null && !samples.isCancelled()) {
                samples.cancel(false);
                onBlackHole.accept(blackHole);
            }
        });
    }

    /**
     * What {@code newest} shows against {@code oldest}, taken {@code window} apart, if it is a
     * black hole (see the class comment), else null.
     */
    static String blackHole(ConnectionStats oldest, ConnectionStats newest, Duration window) {
        long received = newest.packetsReceived() - oldest.packetsReceived();
        long lost = newest.packetsLost() - oldest.packetsLost();
        long sentBytes = newest.bytesSent() - oldest.bytesSent();
        long lostBytes = newest.bytesLost() - oldest.bytesLost();
        if (received == 0 || lost < MIN_LOST_PACKETS || lostBytes * 10 < sentBytes * 9) {
            return null;
        }
        return "the path stopped carrying packets of " + newest.udpPayload() + " bytes: " + lost + " lost ("
                + lostBytes + " of " + sentBytes + " bytes sent) in the last " + window.toMillis()
                + " ms while " + received + " smaller ones arrived";
    }
}

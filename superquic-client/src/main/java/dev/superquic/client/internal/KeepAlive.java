package dev.superquic.client.internal;

import dev.superquic.protocol.Messages;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.transport.ConnectionStats;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a client connection from reaching its idle timeout while the application sends nothing,
 * or is too busy to: when no packet has arrived for a third of the negotiated idle timeout, a
 * ping goes out on the control stream. The ping, and the server's acknowledgement of it, restart
 * both sides' idle timers (RFC 9000, 10.1.2). It runs on the connection's event loop, so a slow
 * application thread cannot hold it up.
 *
 * <p>With PMTU discovery too: a path that shrinks below the size discovery found keeps passing
 * small packets, pings among them, while it loses every full one, so neither the pings nor their
 * absence decide whether such a connection lives; {@link PathWatch} ends it once it loses its data.
 * A peer that is gone answers no ping, and the connection times out.
 *
 * <p>Confined to the connection's event loop.
 */
final class KeepAlive {
    /** Shortest interval between checks, for very short idle timeouts. */
    static final long MIN_INTERVAL_MILLIS = 50;
    private static final byte[] PING = Messages.encode(new Messages.Ping());

    private final QuicChannel quic;
    private final ChannelStream control;
    private long receivedAtLastCheck = -1;
    private ScheduledFuture<?> checks;

    private KeepAlive(QuicChannel quic, ChannelStream control) {
        this.quic = quic;
        this.control = control;
    }

    /**
     * Event loop: starts keeping {@code quic} alive with pings on {@code control}, which must
     * already carry the hello; stops when the connection closes or the control stream's output is
     * finished.
     *
     * @param ownIdleTimeout the idle timeout this side announced
     */
    static void start(QuicChannel quic, ChannelStream control, Duration ownIdleTimeout) {
        if (!quic.isActive()) {
            return;
        }
        KeepAlive keepAlive = new KeepAlive(quic, control);
        long idle = PathWatch.negotiatedIdleMillis(quic, ownIdleTimeout);
        long interval = Math.max(MIN_INTERVAL_MILLIS, idle / 3);
        keepAlive.checks = quic.eventLoop().scheduleAtFixedRate(keepAlive::check, interval, interval,
                TimeUnit.MILLISECONDS);
        quic.closeFuture().addListener(f -> keepAlive.checks.cancel(false));
    }

    private void check() {
        ConnectionStats.of(quic).thenAccept(stats -> {
            long received = stats.packetsReceived();
            // Nothing arrived since the last check: at most two intervals (two thirds of the idle
            // timeout) have passed since the last packet, so the ping still comes in time.
            if (received == receivedAtLastCheck && !control.offerControlFrame(PING)) {
                checks.cancel(false); // the control stream is finished: the connection is closing
            }
            receivedAtLastCheck = received;
        });
    }
}

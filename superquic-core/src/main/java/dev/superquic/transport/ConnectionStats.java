package dev.superquic.transport;

import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * A QUIC connection's statistics at one moment, as quiche keeps them.
 *
 * @param rtt smoothed round-trip time of the connection's path
 * @param udpPayload largest UDP payload the connection sends now (what PMTU discovery found, or
 *     the configured size and the peer's limit)
 * @param packetsSent packets sent
 * @param packetsReceived packets received
 * @param packetsLost packets declared lost (ACK-only packets are not tracked)
 * @param packetsRetransmitted packets retransmitted
 * @param bytesSent bytes sent, QUIC headers included
 * @param bytesReceived bytes received, QUIC headers included
 * @param bytesLost bytes of the packets declared lost
 */
public record ConnectionStats(Duration rtt, int udpPayload, long packetsSent, long packetsReceived, long packetsLost,
                              long packetsRetransmitted, long bytesSent, long bytesReceived, long bytesLost) {

    /**
     * Reads an open connection's statistics on its event loop (from any thread). The future fails
     * with an {@link IllegalStateException} when the connection is closed.
     */
    public static CompletableFuture<ConnectionStats> of(QuicChannel channel) {
        CompletableFuture<ConnectionStats> result = new CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> collect(channel, result));
        } catch (RejectedExecutionException e) { // the client or server is shutting down
            result.completeExceptionally(new IllegalStateException("the connection is closed", e));
        }
        return result;
    }

    /** On the event loop, where Netty asks quiche at once: both futures are complete here. */
    private static void collect(QuicChannel channel, CompletableFuture<ConnectionStats> result) {
        QuicConnectionStats stats = channel.collectStats().getNow();
        QuicConnectionPathStats path = channel.isActive() ? channel.collectPathStats(0).getNow() : null;
        if (stats == null || path == null) {
            result.completeExceptionally(new IllegalStateException("the connection is closed"));
            return;
        }
        result.complete(new ConnectionStats(Duration.ofNanos(path.rtt()), (int) path.pmtu(), stats.sent(),
                stats.recv(), stats.lost(), stats.retrans(), stats.sentBytes(), stats.recvBytes(), stats.lostBytes()));
    }
}

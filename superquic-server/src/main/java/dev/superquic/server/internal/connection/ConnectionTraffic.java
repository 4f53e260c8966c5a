package dev.superquic.server.internal.connection;

import dev.superquic.server.internal.runtime.ServerMetrics;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;

/**
 * One connection's QUIC statistics, fed into the metrics: packet counts as they grow (each sample
 * adds what is new since the last), and the path's round-trip time and packet size as they are
 * at each sample. Event loop only: quiche answers there without blocking.
 */
final class ConnectionTraffic {
    private final ServerMetrics metrics;
    private long sent;
    private long received;
    private long lost;
    private long retransmitted;
    private QuicConnectionStats last;

    ConnectionTraffic(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Takes the connection's statistics now; path statistics only while it is open. */
    void sample(QuicChannel channel) {
        QuicConnectionStats stats = channel.collectStats().getNow();
        if (stats != null) {
            count(stats);
        }
        if (channel.isActive()) {
            QuicConnectionPathStats path = channel.collectPathStats(0).getNow();
            if (path != null) {
                metrics.pathSampled(path.rtt(), path.pmtu());
            }
        }
    }

    private void count(QuicConnectionStats stats) {
        metrics.packets(stats.sent() - sent, stats.recv() - received, stats.lost() - lost,
                stats.retrans() - retransmitted);
        sent = stats.sent();
        received = stats.recv();
        lost = stats.lost();
        retransmitted = stats.retrans();
        last = stats;
    }

    /** The statistics of the latest sample, or null before the first. */
    QuicConnectionStats last() {
        return last;
    }
}

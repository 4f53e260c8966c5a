package dev.superquic.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The QUIC transport settings that server and client both have, validated in one place (names in
 * messages as the CLI spells them). {@code ServerConfig} and {@code ClientConfig} compose it.
 *
 * @param idleTimeout QUIC idle timeout
 * @param maxData connection-level flow-control window (bytes) this end grants
 * @param maxStreamData per-stream flow-control window (bytes) this end grants; at most
 *     {@code maxData}
 * @param maxUdpPayload largest UDP payload sent and accepted; 1350 fits nearly every path
 * @param discoverPmtu search each connection's path for the largest payload it carries, up to
 *     {@code maxUdpPayload} (DPLPMTUD; connections start at 1200 bytes)
 * @param congestionControl the congestion controller of what this end sends
 * @param qlogDirectory where quiche writes a qlog of every connection, one file each; null: none
 */
public record TransportSettings(Duration idleTimeout, long maxData, long maxStreamData, int maxUdpPayload,
                                boolean discoverPmtu, CongestionControl congestionControl, Path qlogDirectory) {
    /** Validates every field. */
    public TransportSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(congestionControl, "congestionControl");
        InvalidSettingException.check(!idleTimeout.isNegative() && !idleTimeout.isZero(), "idle-timeout",
                "must be positive", idleTimeout);
        InvalidSettingException.check(maxData >= 1024, "max-data", "must be at least 1024 bytes", maxData);
        InvalidSettingException.check(maxStreamData >= 1024 && maxStreamData <= maxData, "max-stream-data",
                "must be at least 1024 bytes and at most max-data", maxStreamData);
        InvalidSettingException.check(maxUdpPayload >= Transport.MIN_UDP_PAYLOAD
                        && maxUdpPayload <= Transport.MAX_UDP_PAYLOAD, "max-udp-payload",
                "must be between " + Transport.MIN_UDP_PAYLOAD + " and " + Transport.MAX_UDP_PAYLOAD, maxUdpPayload);
        InvalidSettingException.check(!discoverPmtu || Transport.canDiscoverUpTo(maxUdpPayload), "discover-pmtu",
                "needs a max-udp-payload between " + (Transport.MIN_UDP_PAYLOAD + 1) + " and "
                        + Transport.MAX_DISCOVERY_CEILING + " to search up to", maxUdpPayload);
    }

    /**
     * The defaults with this idle timeout: windows {@link Transport#DEFAULT_MAX_DATA} and
     * {@link Transport#DEFAULT_MAX_STREAM_DATA}, 1350-byte payloads without discovery, the default
     * congestion controller, no qlog.
     *
     * @param idleTimeout the end's idle timeout (the server's default is longer than the client's)
     */
    public static TransportSettings defaults(Duration idleTimeout) {
        return new TransportSettings(idleTimeout, Transport.DEFAULT_MAX_DATA, Transport.DEFAULT_MAX_STREAM_DATA,
                Transport.DEFAULT_MAX_UDP_PAYLOAD, false, CongestionControl.DEFAULT, null);
    }

    /**
     * The settings of one end ({@code ServerConfig}, {@code ClientConfig}), which hold a
     * {@link TransportSettings}: their accessors of its fields, so that each is read the same
     * way on both ends.
     */
    public interface Owner {
        /** The transport settings. */
        TransportSettings transport();

        /** QUIC idle timeout. */
        default Duration idleTimeout() {
            return transport().idleTimeout();
        }

        /** Connection-level flow-control window (bytes). */
        default long maxData() {
            return transport().maxData();
        }

        /** Per-stream flow-control window (bytes). */
        default long maxStreamData() {
            return transport().maxStreamData();
        }

        /** Largest UDP payload sent and accepted. */
        default int maxUdpPayload() {
            return transport().maxUdpPayload();
        }

        /** Whether each path's MTU is searched. */
        default boolean discoverPmtu() {
            return transport().discoverPmtu();
        }

        /** The congestion controller of what this end sends. */
        default CongestionControl congestionControl() {
            return transport().congestionControl();
        }

        /** Where quiche writes qlogs, or null. */
        default Path qlogDirectory() {
            return transport().qlogDirectory();
        }
    }
}

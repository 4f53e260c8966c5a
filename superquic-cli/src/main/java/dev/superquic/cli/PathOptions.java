package dev.superquic.cli;

import dev.superquic.transport.CongestionControl;
import dev.superquic.transport.Transport;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The path options of every command that opens QUIC connections (server, clients, bench): packet
 * size, congestion control, flow-control windows, and a qlog for diagnosis.
 */
final class PathOptions {
    @Option(names = "--max-udp-payload", defaultValue = "1350",
            description = "Largest UDP payload sent and accepted (1200 to 65507). Raise only where every hop carries it "
                    + "(jumbo frames, loopback), or with --discover-pmtu. Default: ${DEFAULT-VALUE}.")
    int maxUdpPayload;

    @Option(names = "--discover-pmtu", defaultValue = "false", fallbackValue = "true", arity = "0..1",
            description = "Search each connection's path for the largest payload it carries, up to --max-udp-payload "
                    + "(then 1201 to 16383; connections start at 1200 bytes). Default: ${DEFAULT-VALUE}.")
    boolean discoverPmtu;

    @Option(names = "--congestion-control", defaultValue = "bbr", converter = CongestionControlConverter.class,
            description = "Congestion controller of what this end sends: bbr (keeps its rate under random loss), "
                    + "cubic or reno. Default: ${DEFAULT-VALUE}.")
    CongestionControl congestionControl;

    @Option(names = "--max-data", defaultValue = "16m", converter = Units.SizeConverter.class,
            description = "Connection flow-control window: bytes the peer may send ahead of what this end has read, "
                    + "all streams together; also the most a connection's received data can hold here. "
                    + "Default: ${DEFAULT-VALUE}.")
    long maxData;

    @Option(names = "--max-stream-data", defaultValue = "8m", converter = Units.SizeConverter.class,
            description = "Per-stream flow-control window (at most --max-data). One stream moves at most this much per "
                    + "round trip, and a lost packet holds back what follows it, so it must exceed the path's "
                    + "bandwidth-delay product several times. Default: ${DEFAULT-VALUE}.")
    long maxStreamData;

    @Option(names = "--qlog-dir", paramLabel = "DIR",
            description = "Write a qlog (for qvis) of every connection into DIR, one file each: every packet, loss and "
                    + "congestion-control state. For diagnosis; it grows with every packet. Default: none.")
    java.nio.file.Path qlogDir;

    /** bbr, cubic or reno, in any case. */
    static final class CongestionControlConverter implements ITypeConverter<CongestionControl> {
        @Override
        public CongestionControl convert(String value) {
            try {
                return CongestionControl.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("must be one of " + CongestionControl.known() + " (got " + value + ")");
            }
        }
    }

    /** Refuses values the transport cannot use, naming the option (a usage error: exit 2). */
    void check(CommandSpec spec) {
        if (maxUdpPayload < Transport.MIN_UDP_PAYLOAD || maxUdpPayload > Transport.MAX_UDP_PAYLOAD) {
            throw new ParameterException(spec.commandLine(), "--max-udp-payload must be between "
                    + Transport.MIN_UDP_PAYLOAD + " and " + Transport.MAX_UDP_PAYLOAD + ", got " + maxUdpPayload);
        }
        if (maxData < 1024) {
            throw new ParameterException(spec.commandLine(), "--max-data must be at least 1024 bytes, got " + maxData);
        }
        if (maxStreamData < 1024 || maxStreamData > maxData) {
            throw new ParameterException(spec.commandLine(), "--max-stream-data must be at least 1024 bytes and at most "
                    + "--max-data (" + maxData + "), got " + maxStreamData);
        }
        if (discoverPmtu && !Transport.canDiscoverUpTo(maxUdpPayload)) {
            throw new ParameterException(spec.commandLine(), "--discover-pmtu: " + Transport.DISCOVERY_CEILING_RULE
                    + " (--max-udp-payload " + maxUdpPayload + ")");
        }
    }
}

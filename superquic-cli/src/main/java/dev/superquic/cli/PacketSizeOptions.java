package dev.superquic.cli;

import dev.superquic.transport.Transport;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The packet-size options of every command that opens QUIC connections: server, clients, bench. */
final class PacketSizeOptions {
    @Option(names = "--max-udp-payload", defaultValue = "1350",
            description = "Largest UDP payload sent and accepted (1200 to 65507). Raise only where every hop carries it "
                    + "(jumbo frames, loopback), or with --discover-pmtu. Default: ${DEFAULT-VALUE}.")
    int maxUdpPayload;

    @Option(names = "--discover-pmtu", defaultValue = "false", fallbackValue = "true", arity = "0..1",
            description = "Search each connection's path for the largest payload it carries, up to --max-udp-payload "
                    + "(then 1201 to 16383; connections start at 1200 bytes). Default: ${DEFAULT-VALUE}.")
    boolean discoverPmtu;

    /** Refuses values the transport cannot use, naming the option (a usage error: exit 2). */
    void check(CommandSpec spec) {
        if (maxUdpPayload < Transport.MIN_UDP_PAYLOAD || maxUdpPayload > Transport.MAX_UDP_PAYLOAD) {
            throw new ParameterException(spec.commandLine(), "--max-udp-payload must be between "
                    + Transport.MIN_UDP_PAYLOAD + " and " + Transport.MAX_UDP_PAYLOAD + ", got " + maxUdpPayload);
        }
        if (discoverPmtu && !Transport.canDiscoverUpTo(maxUdpPayload)) {
            throw new ParameterException(spec.commandLine(), "--discover-pmtu: " + Transport.DISCOVERY_CEILING_RULE
                    + " (--max-udp-payload " + maxUdpPayload + ")");
        }
    }
}

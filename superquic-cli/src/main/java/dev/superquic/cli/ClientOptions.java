package dev.superquic.cli;

import dev.superquic.client.ClientConfig;
import dev.superquic.client.ReconnectPolicy;
import dev.superquic.client.TrustConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Options every client command shares: server address, trust, ALPN, timeout. */
final class ClientOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--server", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Server address; several, separated by commas, for nodes that share a session store: the "
                    + "first is tried first, the next when one fails.")
    String server;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Trust trust;

    @Option(names = "--alpn", defaultValue = "super-quic", description = "ALPN protocol id. Default: ${DEFAULT-VALUE}.")
    String alpn;

    @Option(names = "--timeout", defaultValue = "5s", converter = Units.DurationConverter.class,
            description = "Connect timeout. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    PathOptions path;

    /** How to trust the server: one of three options (shared by the client commands and bench). */
    static final class Trust {
        @Option(names = "--insecure", description = "Trust any certificate (development only).")
        boolean insecure;

        @Option(names = "--trust", paramLabel = "PEM", description = "Trust certificates issued by this CA (PEM).")
        Path caFile;

        @Option(names = "--pin", paramLabel = "SHA256", description = "Trust only the certificate with this SHA-256 fingerprint.")
        String pin;

        /** The chosen trust; a malformed pin is a usage error. */
        TrustConfig resolve(CommandSpec spec) {
            if (insecure) {
                return TrustConfig.insecure();
            }
            if (caFile != null) {
                return TrustConfig.pemCa(caFile);
            }
            try {
                return TrustConfig.pinSha256(pin);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--pin: " + e.getMessage());
            }
        }
    }

    ClientConfig.Builder toConfig() {
        path.check(spec);
        return ClientConfig.builder().servers(addresses()).trust(trust.resolve(spec)).alpn(alpn).connectTimeout(timeout)
                .streamOpenTimeout(timeout).reconnect(ReconnectPolicy.disabled())
                .maxUdpPayload(path.maxUdpPayload).discoverPmtu(path.discoverPmtu)
                .congestionControl(path.congestionControl).qlogDirectory(path.qlogDir)
                .maxData(path.maxData).maxStreamData(path.maxStreamData);
    }

    private java.util.List<InetSocketAddress> addresses() {
        java.util.List<InetSocketAddress> all = new java.util.ArrayList<>();
        for (String one : server.split(",", -1)) {
            all.add(address(one.trim()));
        }
        return all;
    }

    private InetSocketAddress address(String server) {
        int colon = server.lastIndexOf(':');
        if (colon <= 0 || colon == server.length() - 1) {
            throw new ParameterException(spec.commandLine(), "--server must be HOST:PORT, got '" + server + "'");
        }
        String host = server.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--server port must be 1-65535, got '" + server + "'");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new ParameterException(spec.commandLine(), "--server host '" + host + "' cannot be resolved");
        }
        return address;
    }
}

package dev.superquic.bench;

import dev.superquic.server.ServerConfig;

/** Settings of the superquic servers the bench starts in its own process. */
public final class LocalServers {
    private LocalServers() {
    }

    /**
     * A server on 127.0.0.1 (free port) whose per-address limits do not stand in the way: every
     * bench client comes from 127.0.0.1, {@code connect} and {@code resume} measure hellos per
     * second, and {@code idle} holds up to {@code connections} connections at once.
     */
    public static ServerConfig.Builder config(int connections) {
        int room = Math.max(ServerConfig.builder().build().maxConnections(), connections);
        return ServerConfig.builder().host("127.0.0.1").port(0).maxConnections(room).maxConnectionsPerAddress(room)
                .helloRatePerAddress(1e9).helloBurstPerAddress(Integer.MAX_VALUE);
    }
}

package dev.superquic.client;

import java.util.Objects;

/**
 * How a client keeps its session across connections and processes: where the resume token is
 * kept, and how the client reconnects by itself when a connection ends. How long the server keeps
 * a detached session is the server's setting ({@code ServerConfig.sessions().ttl()}).
 *
 * @param tokenStore where the resume token is kept between processes (default: nowhere, so a new
 *     process starts a new session)
 * @param reconnect automatic reconnect policy (default: {@link ReconnectPolicy#defaults()})
 */
public record ResumeSettings(TokenStore tokenStore, ReconnectPolicy reconnect) {
    /** The defaults: no token store, the default reconnect policy. */
    public static final ResumeSettings DEFAULT = new ResumeSettings(TokenStore.none(), ReconnectPolicy.defaults());

    /** Validates the fields. */
    public ResumeSettings {
        Objects.requireNonNull(tokenStore, "tokenStore");
        Objects.requireNonNull(reconnect, "reconnect");
    }
}

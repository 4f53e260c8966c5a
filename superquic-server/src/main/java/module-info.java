/**
 * The superquic server: {@code SuperQuicServer} and its settings, the service interfaces an
 * application implements, the session stores (in memory, SQLite) and certificate sources.
 *
 * <p>The layers behind them ({@code dev.superquic.server.internal.*}: transport, connection,
 * protocol, session, runtime) are not exported.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Micrometer has no module descriptor
module dev.superquic.server {
    requires transitive dev.superquic.core;
    requires transitive micrometer.core;
    requires transitive java.sql;
    requires io.netty.handler;
    requires org.slf4j;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.xerial.sqlitejdbc;

    exports dev.superquic.server;
    exports dev.superquic.server.session;
    exports dev.superquic.server.tls;
}

/**
 * The superquic client library: {@code SuperQuicClient} connects, {@code ClientSession} keeps a
 * session across connections and opens streams and channels on it.
 *
 * <p>Only {@code dev.superquic.client} is exported; the connection machinery stays inside.
 */
module dev.superquic.client {
    requires transitive dev.superquic.core;
    requires io.netty.handler;
    requires org.slf4j;

    exports dev.superquic.client;
}

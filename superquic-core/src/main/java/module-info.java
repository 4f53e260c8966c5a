/**
 * What both ends of superquic share: the wire protocol and its messages, streams, channels,
 * settings and the QUIC transport set-up.
 *
 * <p>The API packages are exported to everyone. The two {@code internal} packages (the stream
 * machinery between Netty's event loops and virtual threads, and the channel bookkeeping) are
 * exported only to the modules of superquic that build on them.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module dev.superquic.core {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    requires transitive io.netty.codec.classes.quic;
    requires transitive io.netty.transport.classes.epoll;
    requires transitive io.netty.transport.unix.common;
    requires transitive com.fasterxml.jackson.databind;
    requires io.netty.handler;
    requires org.slf4j;

    exports dev.superquic.channel;
    exports dev.superquic.json;
    exports dev.superquic.protocol;
    exports dev.superquic.stream;
    exports dev.superquic.tls;
    exports dev.superquic.transport;

    exports dev.superquic.channel.internal to dev.superquic.client, dev.superquic.server;
    exports dev.superquic.stream.internal to dev.superquic.client, dev.superquic.server, dev.superquic.bench;
}

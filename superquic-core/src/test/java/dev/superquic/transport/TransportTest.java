package dev.superquic.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.Socket;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The UDP socket settings superquic applies, read back from real sockets. */
class TransportTest {

    @Test
    void epollSocketsNeverFragment() throws Exception {
        assumeTrue(Transport.best() == Transport.EPOLL, "epoll (Linux) only");
        Transport transport = Transport.EPOLL;
        EventLoopGroup group = transport.newGroup(1, "transport-test");
        try {
            Channel channel = transport.tuneUdp(new Bootstrap(), 1350).group(group)
                    .channel(transport.datagramChannel()).handler(new ChannelInboundHandlerAdapter())
                    .bind("127.0.0.1", 0).sync().channel();
            try {
                // Read back with getsockopt: the kernel holds IP(V6)_PMTUDISC_PROBE.
                assertThat(channel.config().getOption(Transport.IP_MTU_DISCOVER)).isEqualTo(Transport.PMTUDISC_PROBE);
                if (Socket.isIPv6Preferred()) {
                    assertThat(channel.config().getOption(Transport.IPV6_MTU_DISCOVER))
                            .isEqualTo(Transport.PMTUDISC_PROBE);
                }
            } finally {
                channel.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void payloadSizesAndDiscoveryCeilingsOutsideWhatWorksAreRefused() {
        assertThatThrownBy(() -> Transport.maxUdpPayload(new QuicServerCodecBuilder(), 1199, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1200 and 65507");
        assertThatThrownBy(() -> Transport.maxUdpPayload(new QuicServerCodecBuilder(), 65508, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(got 65508)");
        assertThatThrownBy(() -> Transport.maxUdpPayload(new QuicServerCodecBuilder(), 16_384, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1201 and 16383");
        assertThatThrownBy(() -> Transport.maxUdpPayload(new QuicServerCodecBuilder(), 1200, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(got 1200)");
        Transport.maxUdpPayload(new QuicServerCodecBuilder(), 16_384, false);
    }
}

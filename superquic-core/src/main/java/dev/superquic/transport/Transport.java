package dev.superquic.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.Socket;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Chooses the UDP transport: native epoll where available, NIO otherwise. */
public enum Transport {
    /** Linux epoll (native). */
    EPOLL,
    /** Java NIO, the portable fallback. */
    NIO;

    /** Epoll if its native library loads, else NIO. */
    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** A new event loop group of this transport with {@code threads} threads named {@code name-N}. */
    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    /**
     * Default connection flow-control window, servers' and clients' alike: what the peer may send
     * ahead of what the application has read, all streams together. It is also the most one
     * connection's received data can hold in memory. docs/OPERATIONS.md, "Windows", says how it
     * was chosen.
     */
    public static final long DEFAULT_MAX_DATA = 16L * 1024 * 1024;
    /**
     * Default per-stream flow-control window. One stream moves at most a window per round trip,
     * and a lost packet holds back everything after it until its retransmission arrives, so the
     * window must be several bandwidth-delay products: 8 MiB is 6.7 of them at 1 Gbit/s and
     * 10 ms, 13 at 100 Mbit/s and 50 ms.
     */
    public static final long DEFAULT_MAX_STREAM_DATA = 8L * 1024 * 1024;

    /** Kernel socket buffers: defaults of ~208 KiB drop packets on loopback at 200 MB/s. */
    public static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    /**
     * Default largest UDP payload, sent and accepted: Netty's default, which fits the 1500-byte
     * MTU of nearly every path with room for tunnels.
     */
    public static final int DEFAULT_MAX_UDP_PAYLOAD = 1350;
    /** Smallest payload QUIC allows (RFC 9000, section 14). */
    public static final int MIN_UDP_PAYLOAD = 1200;
    /** Largest payload of a UDP datagram over IPv4. */
    public static final int MAX_UDP_PAYLOAD = 65_507;
    /**
     * Largest max UDP payload that PMTU discovery searches up to. With a ceiling of 16384 bytes
     * or more, the quiche of Netty 4.2.18 moved bulk data at a fraction of even 1200-byte packets'
     * rate on loopback (16-77 MB/s against 244-316 up to 16383), so such ceilings are refused.
     */
    public static final int MAX_DISCOVERY_CEILING = 16_383;
    /** What PMTU discovery needs of the max UDP payload, as a sentence for error messages. */
    public static final String DISCOVERY_CEILING_RULE = "PMTU discovery needs a max UDP payload between "
            + (MIN_UDP_PAYLOAD + 1) + " and " + MAX_DISCOVERY_CEILING + " to search up to";
    /** Most packets handed to the kernel in one GSO sendmsg. */
    static final int MAX_GSO_SEGMENTS = 16;
    /** A batch read fills about 64 KiB. */
    private static final int BATCH_BYTES = 64 * 1024;
    /** Most datagrams read in one recvmmsg. */
    private static final int MAX_READ_BATCH = 32;
    /*
     * Linux's IP_MTU_DISCOVER (level IPPROTO_IP) and IPV6_MTU_DISCOVER (IPPROTO_IPV6), set to
     * IP(V6)_PMTUDISC_PROBE: every datagram leaves with Don't Fragment and none is fragmented,
     * whatever the kernel believes the path MTU to be. RFC 9000, section 14 requires it, and PMTU
     * discovery relies on it: a probe too large for the path must be lost, not split.
     */
    /** IP_MTU_DISCOVER: level IPPROTO_IP (0), option 10. */
    static final IntegerUnixChannelOption IP_MTU_DISCOVER = new IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
    /** IPV6_MTU_DISCOVER: level IPPROTO_IPV6 (41), option 23. */
    static final IntegerUnixChannelOption IPV6_MTU_DISCOVER = new IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
    /** IP_PMTUDISC_PROBE and IPV6_PMTUDISC_PROBE: Don't Fragment, whatever the route's MTU. */
    static final int PMTUDISC_PROBE = 3;

    /**
     * Applies superquic's UDP socket settings to {@code bootstrap}: large socket buffers and a
     * receive buffer with one slot of {@code maxUdpPayload} bytes per datagram. On epoll the
     * slots let one recvmmsg system call read a batch of datagrams instead of one call per packet,
     * and datagrams are never fragmented (Don't Fragment set; NIO leaves this to the system).
     * Peers must not send more than {@code maxUdpPayload}: advertise it with
     * {@link #maxUdpPayload(QuicCodecBuilder, int, boolean)}, or larger datagrams would be cut off.
     */
    public Bootstrap tuneUdp(Bootstrap bootstrap, int maxUdpPayload) {
        checkPayload(maxUdpPayload);
        bootstrap.option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        int slots = 1;
        if (this == EPOLL) {
            slots = Math.clamp(BATCH_BYTES / maxUdpPayload, 1, MAX_READ_BATCH);
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxUdpPayload)
                    .option(IP_MTU_DISCOVER, PMTUDISC_PROBE);
            if (Socket.isIPv6Preferred()) {
                // Epoll's datagram sockets are then dual-stack: IPv4 traffic follows the IPv4
                // option, IPv6 traffic this one.
                bootstrap.option(IPV6_MTU_DISCOVER, PMTUDISC_PROBE);
            }
        }
        return bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(slots * maxUdpPayload));
    }

    /**
     * Sends and accepts UDP payloads of at most {@code maxUdpPayload} bytes on {@code codec}.
     * Without discovery each connection sends payloads of up to that size (and the peer's
     * limit) from the start, so every hop must carry them. With {@code discoverPmtu} the size is
     * the ceiling of a search instead (DPLPMTUD, RFC 8899): a connection sends at most 1200 bytes
     * until a padded probe of a larger size is acknowledged, and so finds what its path carries.
     */
    public static <B extends QuicCodecBuilder<B>> B maxUdpPayload(B codec, int maxUdpPayload, boolean discoverPmtu) {
        checkPayload(maxUdpPayload);
        if (discoverPmtu && !canDiscoverUpTo(maxUdpPayload)) {
            throw new IllegalArgumentException(DISCOVERY_CEILING_RULE + " (got " + maxUdpPayload + ")");
        }
        return codec.maxSendUdpPayloadSize(maxUdpPayload).maxRecvUdpPayloadSize(maxUdpPayload)
                .discoverPmtu(discoverPmtu);
    }

    /**
     * The QUIC channel option value that sends with GSO (one sendmsg hands the kernel several
     * packets, at most 16, and no more than one IPv4 datagram's worth, which the kernel requires
     * of a GSO send), or null where the transport has none.
     */
    public SegmentedDatagramPacketAllocator segmentedAllocator(int maxUdpPayload) {
        checkPayload(maxUdpPayload);
        if (this != EPOLL) {
            return null;
        }
        return EpollQuicUtils.newSegmentedAllocator(Math.clamp(MAX_UDP_PAYLOAD / maxUdpPayload, 1, MAX_GSO_SEGMENTS));
    }

    /**
     * The QUIC channel option value that makes quiche write a qlog (JSON-SEQ, readable by qvis) of
     * every connection into {@code directory}, one file per connection, created here if missing;
     * null for a null directory (no qlog). A qlog records every packet, loss and congestion-state
     * change: for diagnosis, not for production traffic.
     */
    public static QLogConfiguration qlog(java.nio.file.Path directory, String role) {
        if (directory == null) {
            return null;
        }
        try {
            java.nio.file.Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the qlog directory " + directory, e);
        }
        return new QLogConfiguration(directory.toString(), "superquic " + role, "superquic " + role + " connection");
    }

    /** Whether PMTU discovery can search up to {@code maxUdpPayload}. */
    public static boolean canDiscoverUpTo(int maxUdpPayload) {
        return maxUdpPayload > MIN_UDP_PAYLOAD && maxUdpPayload <= MAX_DISCOVERY_CEILING;
    }

    private static void checkPayload(int maxUdpPayload) {
        if (maxUdpPayload < MIN_UDP_PAYLOAD || maxUdpPayload > MAX_UDP_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload size must be between " + MIN_UDP_PAYLOAD + " and "
                    + MAX_UDP_PAYLOAD + " (got " + maxUdpPayload + ")");
        }
    }

    /** The datagram channel class of this transport. */
    public Class<? extends DatagramChannel> datagramChannel() {
        return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}

package dev.superquic.server.internal.transport;

import dev.superquic.server.internal.runtime.ServerMetrics;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in the pipeline of a socket bound to a wildcard address: makes every reply leave from the
 * address its peer sent to. It learns that address from each received datagram (the socket has
 * {@code IP_RECVORIGDSTADDR}, so Netty reports it as the datagram's recipient). Where the kernel's
 * route to the peer would pick another source, it sends the datagrams written to that peer itself,
 * from that address ({@link SourcedDatagrams}); all others go to Netty as before.
 *
 * <p>The peers are kept in a map bounded by {@code maxPeers}, least recently heard from first out:
 * a live peer is heard from every few round trips and comes back at its next datagram, while a
 * flood of spoofed sources cannot grow it. A reply that finds the socket's send buffer full is
 * dropped, like a datagram lost on the way (QUIC sends it again), and counted.
 *
 * <p>Netty 4.2.18 reports the destination of IPv4 datagrams only (on an IPv6 socket, IPv6
 * datagrams arrive with the wildcard address as recipient), so IPv6 addresses get sockets of their
 * own instead ({@link TransportHost}). Event loop only.
 */
final class ReplySource extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(ReplySource.class);

    private final Destinations destinations;
    private final ServerMetrics metrics;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private SourcedDatagrams sender;

    /** A datagram to send from {@code source} at the next flush. */
    private record Pending(DatagramPacket packet, InetAddress source, ChannelPromise promise) { }

    /**
     * @param destinations shared by the sockets of one address: a datagram may arrive on one and
     *     its connection's replies leave from another (the QUIC dispatcher routes by connection id)
     * @param metrics counts replies that could not be sent from their address
     */
    ReplySource(Destinations destinations, ServerMetrics metrics) {
        this.metrics = metrics;
        this.destinations = destinations;
    }

    /**
     * The address each peer last sent to, for at most {@code maxPeers} peers, least recently heard
     * from first out, and whether its replies need sending from it: not if the kernel's route to
     * the peer picks that address anyway (the usual case), so those replies take Netty's path,
     * batched with the others. Thread-safe: the sockets of one address share it, each on its
     * event loop.
     */
    static final class Destinations {
        /** A peer's destination, and whether the kernel would pick another source for replies. */
        private record Route(InetAddress destination, boolean pin) { }

        private final Map<InetSocketAddress, Route> map;

        /** @param maxPeers how many peers' destinations to remember */
        Destinations(int maxPeers) {
            this.map = new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Route> eldest) {
                    return size() > maxPeers;
                }
            };
        }

        /** A datagram from {@code peer} arrived at {@code destination}. */
        void heard(InetSocketAddress peer, InetAddress destination) {
            synchronized (this) {
                Route known = map.get(peer);
                if (known != null && known.destination.equals(destination)) {
                    return;
                }
            }
            // Once per peer (and destination): a route lookup, outside the lock.
            Route route = new Route(destination, !destination.equals(kernelSource(peer)));
            synchronized (this) {
                map.put(peer, route);
            }
        }

        /** The address to send to {@code peer} from, or null if the kernel's choice is right. */
        synchronized InetAddress pinnedSource(InetSocketAddress peer) {
            Route route = map.get(peer);
            return route != null && route.pin ? route.destination : null;
        }

        synchronized void forget(InetSocketAddress peer) {
            map.remove(peer);
        }

        /**
         * The source address the kernel's routing picks for a datagram to {@code peer} (a UDP
         * connect sends nothing), or null if that cannot be told: then replies are pinned.
         */
        private static InetAddress kernelSource(InetSocketAddress peer) {
            try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open()) {
                probe.connect(peer);
                return ((InetSocketAddress) probe.getLocalAddress()).getAddress();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    /** Whether replies can be sent from a chosen address here (64-bit Linux, epoll, native access). */
    static boolean available() {
        return SourcedDatagrams.unavailableReason() == null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        EpollDatagramChannel channel = (EpollDatagramChannel) ctx.channel();
        InetSocketAddress local = channel.localAddress();
        sender = new SourcedDatagrams(channel.fd().intValue(), !(local.getAddress() instanceof Inet4Address));
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropPending();
        if (sender != null) {
            sender.close();
            sender = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet && packet.recipient() != null && packet.sender() != null) {
            InetAddress destination = packet.recipient().getAddress();
            if (!destination.isAnyLocalAddress()) {
                destinations.heard(packet.sender(), destination);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof DatagramPacket packet) || sender == null || packet.recipient() == null) {
            ctx.write(msg, promise);
            return;
        }
        InetAddress source = destinations.pinnedSource(packet.recipient());
        if (source == null || source instanceof Inet4Address != packet.recipient().getAddress() instanceof Inet4Address
                || !SourcedDatagrams.canSend(packet.content())) {
            ctx.write(msg, promise);
            return;
        }
        // Sent at the flush, like Netty's own writes: the codec may listen to the promise for when
        // to send more, and completing it inside the codec's send loop would lose that call.
        pending.add(new Pending(packet, source, promise));
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        Pending p;
        while ((p = pending.poll()) != null) {
            send(p);
        }
        ctx.flush();
    }

    private void send(Pending p) {
        DatagramPacket packet = p.packet;
        int segmentSize = packet instanceof SegmentedDatagramPacket segmented ? segmented.segmentSize() : 0;
        int errno;
        try {
            errno = sender.send(packet.content(), packet.recipient(), p.source, segmentSize);
        } finally {
            packet.release();
        }
        if (errno == 0) {
            p.promise.trySuccess();
            return;
        }
        metrics.replySourceDropped(errno == SourcedDatagrams.EAGAIN ? "buffer-full" : "error");
        if (errno != SourcedDatagrams.EAGAIN) {
            // Such as the address having left this host (a virtual address moved to another node).
            destinations.forget(packet.recipient());
            log.debug("reply to {} from {} failed: errno {}", packet.recipient(), p.source, errno);
        }
        // Like a datagram lost on the way: QUIC's loss recovery sends its contents again.
        p.promise.tryFailure(new IOException("sendmsg from " + p.source + " failed: errno " + errno));
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        dropPending();
        ctx.close(promise);
    }

    private void dropPending() {
        Pending p;
        while ((p = pending.poll()) != null) {
            p.packet.release();
            p.promise.tryFailure(new ClosedChannelException());
        }
    }
}

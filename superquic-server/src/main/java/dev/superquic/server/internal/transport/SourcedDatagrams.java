package dev.superquic.server.internal.transport;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Sends a UDP datagram from a chosen source address: Linux {@code sendmsg} with an
 * {@code IP_PKTINFO} (or {@code IPV6_PKTINFO}) control message, called through
 * {@code java.lang.foreign}, on the file descriptor of a socket that Netty owns.
 *
 * <p>Why: a socket bound to a wildcard address answers from whatever address the kernel's route
 * picks, which on a host with several addresses may not be the one the client sent to; the client
 * then drops the answer. Netty 4.2.18's epoll channel reports a datagram's destination
 * ({@code IP_RECVORIGDSTADDR}) but cannot choose the source of a reply, so the reply is sent here
 * instead. A segmented (GSO) datagram keeps its {@code UDP_SEGMENT} size.
 *
 * <p>One instance per socket, used by that socket's event loop only: its native buffers are
 * reused for every send. Layouts are those of 64-bit Linux (the same on x86-64 and aarch64).
 */
final class SourcedDatagrams implements AutoCloseable {
    /** {@code errno} of a send that found the socket's send buffer full. */
    static final int EAGAIN = 11;

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOL_IP = 0;
    private static final int IP_PKTINFO = 8;
    private static final int SOL_IPV6 = 41;
    private static final int IPV6_PKTINFO = 50;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int MSG_DONTWAIT = 0x40;

    private static final int CMSG_HEADER = 16;
    private static final int MSGHDR_BYTES = 56;
    private static final int IOVEC_BYTES = 16;
    /** The most buffers one send gathers: the kernel's limit of segments in one GSO send. */
    static final int MAX_BUFFERS = 64;
    private static final int SOCKADDR_BYTES = 28;
    /** Room for the largest pair of control messages: an IPv6 source and a segment size. */
    private static final int CONTROL_BYTES = space(20) + space(2);

    private static final MethodHandle SENDMSG;
    private static final VarHandle ERRNO;
    private static final Throwable UNAVAILABLE;

    static {
        MethodHandle sendmsg = null;
        VarHandle errno = null;
        Throwable unavailable = null;
        try {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                    || !"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
                throw new UnsupportedOperationException("only 64-bit Linux has these layouts");
            }
            Linker linker = Linker.nativeLinker();
            sendmsg = linker.downcallHandle(linker.defaultLookup().find("sendmsg").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT),
                    Linker.Option.captureCallState("errno"));
            errno = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
        } catch (Throwable t) {
            unavailable = t;
        }
        SENDMSG = sendmsg;
        ERRNO = errno;
        UNAVAILABLE = unavailable;
    }

    private final int fd;
    private final boolean ipv6Socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment msghdr = arena.allocate(MSGHDR_BYTES, 8);
    private final MemorySegment iovecs = arena.allocate((long) IOVEC_BYTES * MAX_BUFFERS, 8);
    private final MemorySegment sockaddr = arena.allocate(SOCKADDR_BYTES, 8);
    private final MemorySegment control = arena.allocate(CONTROL_BYTES, 8);
    private final MemorySegment callState = arena.allocate(Linker.Option.captureStateLayout());

    /**
     * @param fd the socket's file descriptor
     * @param ipv6Socket whether the socket is an IPv6 one (dual stack: IPv4 peers are reached at
     *     their IPv4-mapped address)
     */
    SourcedDatagrams(int fd, boolean ipv6Socket) {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException("sendmsg through java.lang.foreign is unavailable: " + UNAVAILABLE,
                    UNAVAILABLE);
        }
        this.fd = fd;
        this.ipv6Socket = ipv6Socket;
    }

    /** Why sends from a chosen source cannot work in this JVM, or null if they can. */
    static String unavailableReason() {
        return UNAVAILABLE == null ? null : UNAVAILABLE.toString();
    }

    /** Whether {@link #send} takes {@code data} as it is: direct, in at most {@link #MAX_BUFFERS} parts. */
    static boolean canSend(ByteBuf data) {
        return data.isDirect() && data.nioBufferCount() <= MAX_BUFFERS;
    }

    /**
     * Sends {@code data}'s readable bytes to {@code to} from {@code from}, without blocking.
     *
     * @param data a buffer that {@link #canSend}; not released here (the QUIC codec's segmented
     *     datagrams are composites of direct slices, gathered here as they are)
     * @param segmentSize the GSO segment size, or 0 for one datagram
     * @return 0 if sent, else the {@code errno} of the failure (such as {@link #EAGAIN})
     */
    int send(ByteBuf data, InetSocketAddress to, InetAddress from, int segmentSize) {
        java.nio.ByteBuffer[] parts = data.nioBuffers();
        for (int i = 0; i < parts.length; i++) {
            MemorySegment part = MemorySegment.ofBuffer(parts[i]);
            if (!part.isNative()) {
                throw new IllegalArgumentException("a direct buffer is required");
            }
            iovecs.set(ValueLayout.ADDRESS, (long) i * IOVEC_BYTES, part);
            iovecs.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_BYTES + 8, part.byteSize());
        }
        int nameLength = writeSockaddr(to);
        long controlLength = writeSource(control, from, to.getAddress() instanceof Inet4Address);
        if (segmentSize > 0) {
            MemorySegment cmsg = control.asSlice(controlLength);
            cmsg.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 2);
            cmsg.set(ValueLayout.JAVA_INT, 8, SOL_UDP);
            cmsg.set(ValueLayout.JAVA_INT, 12, UDP_SEGMENT);
            cmsg.set(ValueLayout.JAVA_SHORT_UNALIGNED, CMSG_HEADER, (short) segmentSize);
            controlLength += space(2);
        }
        msghdr.fill((byte) 0);
        msghdr.set(ValueLayout.ADDRESS, 0, sockaddr);
        msghdr.set(ValueLayout.JAVA_INT, 8, nameLength);
        msghdr.set(ValueLayout.ADDRESS, 16, iovecs);
        msghdr.set(ValueLayout.JAVA_LONG, 24, parts.length);
        msghdr.set(ValueLayout.ADDRESS, 32, control);
        msghdr.set(ValueLayout.JAVA_LONG, 40, controlLength);
        long sent;
        try {
            sent = (long) SENDMSG.invokeExact(callState, fd, msghdr, MSG_DONTWAIT);
        } catch (Throwable t) {
            throw new IllegalStateException("sendmsg failed to run", t);
        }
        return sent >= 0 ? 0 : (int) ERRNO.get(callState, 0L);
    }

    /** Writes the destination as the socket's family needs it; returns its length. */
    private int writeSockaddr(InetSocketAddress to) {
        byte[] address = to.getAddress().getAddress();
        int port = to.getPort();
        sockaddr.fill((byte) 0);
        sockaddr.set(ValueLayout.JAVA_BYTE, 2, (byte) (port >>> 8));
        sockaddr.set(ValueLayout.JAVA_BYTE, 3, (byte) port);
        if (!ipv6Socket) {
            sockaddr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            MemorySegment.copy(address, 0, sockaddr, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        sockaddr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
        if (address.length == 4) {
            // IPv4-mapped: ::ffff:a.b.c.d
            sockaddr.set(ValueLayout.JAVA_BYTE, 8 + 10, (byte) 0xff);
            sockaddr.set(ValueLayout.JAVA_BYTE, 8 + 11, (byte) 0xff);
            MemorySegment.copy(address, 0, sockaddr, ValueLayout.JAVA_BYTE, 8 + 12, 4);
        } else {
            MemorySegment.copy(address, 0, sockaddr, ValueLayout.JAVA_BYTE, 8, 16);
            if (to.getAddress() instanceof Inet6Address six) {
                sockaddr.set(ValueLayout.JAVA_INT_UNALIGNED, 24, six.getScopeId());
            }
        }
        return SOCKADDR_BYTES;
    }

    /**
     * Writes the source control message: {@code IP_PKTINFO} for an IPv4 peer (also on a dual-stack
     * socket), else {@code IPV6_PKTINFO}. Returns the bytes it takes.
     */
    private static long writeSource(MemorySegment cmsg, InetAddress from, boolean ipv4Peer) {
        byte[] source = from.getAddress();
        cmsg.fill((byte) 0);
        if (ipv4Peer) {
            // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }
            cmsg.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 12);
            cmsg.set(ValueLayout.JAVA_INT, 8, SOL_IP);
            cmsg.set(ValueLayout.JAVA_INT, 12, IP_PKTINFO);
            MemorySegment.copy(source, source.length - 4, cmsg, ValueLayout.JAVA_BYTE, CMSG_HEADER + 4, 4);
            return space(12);
        }
        // struct in6_pktinfo { in6_addr ipi6_addr; unsigned int ipi6_ifindex; }
        cmsg.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 20);
        cmsg.set(ValueLayout.JAVA_INT, 8, SOL_IPV6);
        cmsg.set(ValueLayout.JAVA_INT, 12, IPV6_PKTINFO);
        MemorySegment.copy(source, 0, cmsg, ValueLayout.JAVA_BYTE, CMSG_HEADER, 16);
        return space(20);
    }

    /** {@code CMSG_SPACE}: the header plus the data, padded to 8 bytes. */
    private static int space(int dataBytes) {
        return CMSG_HEADER + ((dataBytes + 7) & ~7);
    }

    @Override
    public void close() {
        arena.close();
    }
}

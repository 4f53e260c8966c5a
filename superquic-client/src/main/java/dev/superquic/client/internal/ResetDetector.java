package dev.superquic.client.internal;

import dev.superquic.stream.internal.ConnectionCloseReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.QuicChannel;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Event loop of a link's UDP socket, in front of the QUIC codec: recognizes the server's QUIC
 * stateless resets and ends the connection at once, so that the session reconnects within a
 * round trip of a server restart rather than at the idle timeout.
 *
 * <p>Why here and not in quiche: a stateless reset carries no connection id the client knows (the
 * restarted server has none to give), and Netty 4.2.18's client codec routes packets by
 * connection id, so it drops the reset before quiche could compare its token. The server tells
 * its token in the session answer ({@code resetToken}, the same one quiche got in the transport
 * parameters); a short-header packet from the server's address that ends in it is a reset (RFC
 * 9000, section 10.3).
 */
final class ResetDetector extends ChannelInboundHandlerAdapter {
    private static final int TOKEN_LENGTH = 16;
    /** The shortest stateless reset (RFC 9000, section 10.3). */
    private static final int MIN_RESET = 21;
    private final java.net.InetSocketAddress server;
    private volatile byte[] token;
    private volatile QuicChannel connection;

    /** @param server where the server's datagrams come from; resets from elsewhere are not believed */
    ResetDetector(java.net.InetSocketAddress server) {
        this.server = server;
    }

    /** The connection to end on a reset. */
    void connection(QuicChannel quic) {
        this.connection = quic;
    }

    /** The server's token, as 32 hex digits, or null if it gave none. */
    void token(String hex) {
        this.token = hex == null ? null : HexFormat.of().parseHex(hex);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        byte[] expected = token;
        QuicChannel quic = connection;
        if (expected != null && quic != null && msg instanceof DatagramPacket packet
                && server.equals(packet.sender()) && isReset(packet.content(), expected)) {
            packet.release();
            if (quic.isActive()) {
                ConnectionCloseReason.record(quic, "reset by the server (a stateless reset: it no longer has this "
                        + "connection, after a restart for instance)");
                quic.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean isReset(ByteBuf buf, byte[] expected) {
        int size = buf.readableBytes();
        if (size < MIN_RESET || (buf.getByte(buf.readerIndex()) & 0x80) != 0) {
            return false; // too short, or a long header: never a reset
        }
        byte[] tail = new byte[TOKEN_LENGTH];
        buf.getBytes(buf.readerIndex() + size - TOKEN_LENGTH, tail);
        return MessageDigest.isEqual(tail, expected);
    }
}

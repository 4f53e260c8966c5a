package dev.superquic.server.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicResetTokenGenerator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC stateless resets (RFC 9000, section 10.3), so that a client notices within a round trip
 * that the server it talks to lost its connection (a restart, a crash), instead of waiting for its
 * idle timeout.
 *
 * <p>How it fits together:
 * <ul>
 *   <li>Every connection id this server hands out starts (after the socket index, with several
 *       sockets) with a 4-byte tag drawn at start-up ({@link #connectionIds}). A short-header
 *       packet whose id carries another tag belongs to a connection of an earlier process, or of
 *       another node: {@link #responder} answers it with a stateless reset.</li>
 *   <li>The reset token comes from the configured secret ({@link #token}): a restarted server, or
 *       another node given the same secret, sends a token the client already knows. quiche as
 *       built into Netty 4.2.18 takes one token for all of a server's connections (its
 *       {@code stateless_reset_token} transport parameter is set per configuration) and a client
 *       checks only that one, so the token is one per secret. Every client learns it; but a
 *       reset also needs the victim's connection id and address, which only an on-path attacker
 *       sees, and such an attacker can drop the packets anyway.</li>
 *   <li>Resets are smaller than the packet that triggered them (so two endpoints cannot loop)
 *       and limited to {@link #MAX_RESETS_PER_SECOND} per socket.</li>
 * </ul>
 */
public final class StatelessResets {
    /** Resets one socket sends at most per second; more unknown packets are dropped. */
    static final int MAX_RESETS_PER_SECOND = 1000;
    /** Netty's local connection id length, which the server keeps. */
    static final int CONNECTION_ID_LENGTH = 20;
    private static final int TAG_LENGTH = 4;
    private static final int TOKEN_LENGTH = 16;
    /** Smallest reset: 1 header byte, at least 4 unpredictable bytes, the token (RFC 9000, 10.3). */
    private static final int MIN_RESET = 1 + 4 + TOKEN_LENGTH;
    private static final int MAX_RESET = 43;

    private final byte[] secret;
    private final byte[] tag = new byte[TAG_LENGTH];
    private final byte[] token;

    /** @param secret the configured secret; nodes that share it answer for each other's clients */
    public StatelessResets(byte[] secret) {
        this.secret = secret.clone();
        new SecureRandom().nextBytes(tag);
        this.token = hmac(this.secret, "superquic stateless reset token v1".getBytes(StandardCharsets.US_ASCII));
    }

    /** The 16-byte token announced to every client and sent in every reset. */
    public byte[] token() {
        return token.clone();
    }

    /** Tokens for extra connection ids (NEW_CONNECTION_ID); derived from the secret as well. */
    QuicResetTokenGenerator tokenGenerator() {
        return cid -> {
            byte[] id = new byte[cid.remaining()];
            cid.duplicate().get(id);
            return ByteBuffer.wrap(hmac(secret, id));
        };
    }

    /**
     * Connection ids for one socket: {@code prefix} (the socket's index with several sockets,
     * else empty), this process's tag, then random bytes.
     */
    QuicConnectionIdGenerator connectionIds(byte[] prefix) {
        byte[] head = new byte[prefix.length + TAG_LENGTH];
        System.arraycopy(prefix, 0, head, 0, prefix.length);
        System.arraycopy(tag, 0, head, prefix.length, TAG_LENGTH);
        return new TaggedIds(head);
    }

    /**
     * The handler that answers packets of connections this process never had. Goes in front of
     * the QUIC codec (or dispatcher) of a socket; {@code tagOffset} is where the tag starts in a
     * connection id (after the socket index, if any).
     */
    ChannelHandler responder(int tagOffset) {
        return new Responder(tagOffset);
    }

    private static byte[] hmac(byte[] key, byte[] input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal(input), TOKEN_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static final class TaggedIds implements QuicConnectionIdGenerator {
        private final byte[] head;

        TaggedIds(byte[] head) {
            this.head = head;
        }

        @Override
        public ByteBuffer newId(int length) {
            if (length < head.length + 4) {
                throw new IllegalArgumentException("connection ids of " + length + " bytes leave no room for the tag");
            }
            byte[] id = new byte[length];
            System.arraycopy(head, 0, id, 0, head.length);
            byte[] random = new byte[length - head.length];
            ThreadLocalRandom.current().nextBytes(random);
            System.arraycopy(random, 0, id, head.length, random.length);
            return ByteBuffer.wrap(id);
        }

        @Override
        public ByteBuffer newId(ByteBuffer input, int length) {
            return newId(length);
        }

        @Override
        public ByteBuffer newId(ByteBuffer scid, ByteBuffer dcid, int length) {
            return newId(length);
        }

        @Override
        public int maxConnectionIdLength() {
            return CONNECTION_ID_LENGTH;
        }

        @Override
        public boolean isIdempotent() {
            return false;
        }
    }

    /** Event loop of one socket; never blocks. */
    private final class Responder extends ChannelInboundHandlerAdapter {
        private final int tagOffset;
        private long windowStartNanos = System.nanoTime();
        private int sentInWindow;

        Responder(int tagOffset) {
            this.tagOffset = tagOffset;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket packet && fromAnotherProcess(packet.content())) {
                int size = packet.content().readableBytes();
                if (size > MIN_RESET && allowed()) {
                    ctx.writeAndFlush(new DatagramPacket(reset(ctx, size), packet.sender()));
                }
                packet.release();
                return;
            }
            ctx.fireChannelRead(msg);
        }

        /** A short-header packet whose connection id carries another tag than this process's. */
        private boolean fromAnotherProcess(ByteBuf buf) {
            int start = buf.readerIndex();
            if (buf.readableBytes() < 1 + CONNECTION_ID_LENGTH || (buf.getByte(start) & 0x80) != 0) {
                return false; // too short for our ids, or a long header (handshakes: the codec's)
            }
            int at = start + 1 + tagOffset;
            for (int i = 0; i < TAG_LENGTH; i++) {
                if (buf.getByte(at + i) != tag[i]) {
                    return true;
                }
            }
            return false;
        }

        private boolean allowed() {
            long now = System.nanoTime();
            if (now - windowStartNanos >= 1_000_000_000L) {
                windowStartNanos = now;
                sentInWindow = 0;
            }
            return ++sentInWindow <= MAX_RESETS_PER_SECOND;
        }

        /** Looks like a short-header packet, one byte smaller than the trigger, ending in the token. */
        private ByteBuf reset(ChannelHandlerContext ctx, int triggerSize) {
            int size = Math.min(triggerSize - 1, MAX_RESET);
            byte[] bytes = new byte[size];
            ThreadLocalRandom.current().nextBytes(bytes);
            bytes[0] = (byte) (0x40 | (bytes[0] & 0x3f));
            System.arraycopy(token, 0, bytes, size - TOKEN_LENGTH, TOKEN_LENGTH);
            return ctx.alloc().directBuffer(size).writeBytes(bytes);
        }
    }
}

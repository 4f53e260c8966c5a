package dev.superquic.server.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC Retry tokens (RFC 9000, section 8.1.2), so that the server holds no state and sends no
 * more than a small Retry packet to an address until the client proved it receives there.
 *
 * <p>A token is {@code [expiry: 8 bytes][MAC: 16 bytes][original destination connection id]}; the
 * MAC is an HMAC-SHA256 over the expiry, the client's address and port, and the connection id,
 * keyed from the server's reset secret, so nodes that share the secret accept each other's
 * tokens. Tokens live {@link #LIFETIME_SECONDS} seconds. Thread-safe.
 */
public final class RetryTokens implements QuicTokenHandler {
    /** How long a Retry token is good for: a round trip, with room for a slow client. */
    static final long LIFETIME_SECONDS = 10;
    private static final int EXPIRY = 8;
    private static final int MAC = 16;
    private static final int MAX_CONNECTION_ID = 20;

    private final byte[] key;
    private final java.util.function.BooleanSupplier retryNow;

    /**
     * @param secret the reset secret, from which the token key is derived
     * @param retryNow whether a new connection without a token gets a Retry (the mode, the load)
     */
    public RetryTokens(byte[] secret, java.util.function.BooleanSupplier retryNow) {
        this.key = hmac(secret, "superquic retry token key v1".getBytes(StandardCharsets.US_ASCII));
        this.retryNow = retryNow;
    }

    /** Netty: a client's Initial came without a token; false lets the handshake start at once. */
    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        if (!retryNow.getAsBoolean()) {
            return false;
        }
        long expiry = System.currentTimeMillis() / 1000 + LIFETIME_SECONDS;
        byte[] id = new byte[dcid.readableBytes()];
        dcid.getBytes(dcid.readerIndex(), id);
        out.writeLong(expiry).writeBytes(mac(expiry, address, id)).writeBytes(id);
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        int start = token.readerIndex();
        int length = token.readableBytes();
        if (length <= EXPIRY + MAC || length > maxTokenLength()) {
            return -1;
        }
        long expiry = token.getLong(start);
        if (expiry < System.currentTimeMillis() / 1000) {
            return -1;
        }
        byte[] mac = new byte[MAC];
        token.getBytes(start + EXPIRY, mac);
        byte[] id = new byte[length - EXPIRY - MAC];
        token.getBytes(start + EXPIRY + MAC, id);
        return MessageDigest.isEqual(mac, mac(expiry, address, id)) ? EXPIRY + MAC : -1;
    }

    @Override
    public int maxTokenLength() {
        return EXPIRY + MAC + MAX_CONNECTION_ID;
    }

    private byte[] mac(long expiry, InetSocketAddress address, byte[] connectionId) {
        byte[] ip = address.getAddress().getAddress();
        byte[] input = new byte[EXPIRY + ip.length + 2 + connectionId.length];
        for (int i = 0; i < EXPIRY; i++) {
            input[i] = (byte) (expiry >>> (56 - 8 * i));
        }
        System.arraycopy(ip, 0, input, EXPIRY, ip.length);
        input[EXPIRY + ip.length] = (byte) (address.getPort() >>> 8);
        input[EXPIRY + ip.length + 1] = (byte) address.getPort();
        System.arraycopy(connectionId, 0, input, EXPIRY + ip.length + 2, connectionId.length);
        return Arrays.copyOf(hmac(key, input), MAC);
    }

    private static byte[] hmac(byte[] key, byte[] input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}

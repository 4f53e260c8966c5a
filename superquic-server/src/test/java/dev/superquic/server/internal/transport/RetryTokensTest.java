package dev.superquic.server.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RetryTokensTest {
    private static final byte[] SECRET = new byte[32];
    private final InetSocketAddress client = new InetSocketAddress("127.0.0.1", 40000);
    private final ByteBuf dcid = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

    @Test
    void aTokenIsGoodForItsAddressOnlyAndCarriesTheOriginalConnectionId() {
        RetryTokens tokens = new RetryTokens(SECRET, () -> true);
        ByteBuf token = Unpooled.buffer();
        assertThat(tokens.writeToken(token, dcid, client)).isTrue();
        int offset = tokens.validateToken(token, client);
        assertThat(offset).isEqualTo(24);
        assertThat(token.slice(offset, token.readableBytes() - offset)).isEqualTo(dcid);
        assertThat(tokens.validateToken(token, new InetSocketAddress("127.0.0.1", 40001))).as("another port").isEqualTo(-1);
        assertThat(new RetryTokens(new byte[] {9}, () -> true).validateToken(token, client)).as("another secret")
                .isEqualTo(-1);
        token.setByte(10, token.getByte(10) ^ 1);
        assertThat(tokens.validateToken(token, client)).as("tampered").isEqualTo(-1);
        token.release();
    }

    @Test
    void underLoadOnlyThenIsARetrySent() {
        AtomicBoolean loaded = new AtomicBoolean();
        RetryTokens tokens = new RetryTokens(SECRET, loaded::get);
        ByteBuf token = Unpooled.buffer();
        assertThat(tokens.writeToken(token, dcid, client)).as("no Retry: the handshake starts at once").isFalse();
        loaded.set(true);
        assertThat(tokens.writeToken(token, dcid, client)).isTrue();
        token.release();
    }
}

package dev.superquic.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientPartsTest {
    @Test
    void backOffGrowsAndStaysWithinItsCapAndJitter() {
        ReconnectPolicy p = new ReconnectPolicy(true, Duration.ofMillis(100), Duration.ofSeconds(2), 2, 0.2, 0);
        for (int i = 0; i < 100; i++) {
            assertThat(p.delay(1)).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
            assertThat(p.delay(3)).isBetween(Duration.ofMillis(320), Duration.ofMillis(480));
            assertThat(p.delay(30)).isBetween(Duration.ofMillis(1600), Duration.ofSeconds(2));
        }
        assertThatThrownBy(() -> new ReconnectPolicy(true, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resumeSettingsGoInAsOneGroupOrOneByOne() {
        ClientConfig.Builder b = ClientConfig.builder().server("127.0.0.1", 1).trust(TrustConfig.insecure());
        assertThat(b.build().resume()).isEqualTo(ResumeSettings.DEFAULT);
        TokenStore tokens = new MemoryTokenStore();
        ResumeSettings resume = new ResumeSettings(tokens, ReconnectPolicy.disabled());
        assertThat(b.resume(resume).build().resume()).isEqualTo(resume);
        assertThat(b.reconnect(ReconnectPolicy.defaults()).build().resume())
                .isEqualTo(new ResumeSettings(tokens, ReconnectPolicy.defaults()));
        assertThatThrownBy(() -> new ResumeSettings(null, ReconnectPolicy.defaults()))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("tokenStore");
    }

    @Test
    void fileTokenStoreRoundTripsAndIsPrivate(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nested/session");
        FileTokenStore store = new FileTokenStore(file);
        assertThat(store.load()).isEmpty();
        store.save("abc");
        store.save("def");
        assertThat(new FileTokenStore(file).load()).contains("def");
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void pinsAreNormalisedAndValidated() {
        String colons = String.join(":", java.util.Collections.nCopies(32, "AB"));
        assertThat(new TrustConfig.PinnedSha256(colons).fingerprint()).isEqualTo("ab".repeat(32));
        assertThatThrownBy(() -> TrustConfig.pinSha256("xyz")).hasMessageContaining("64 hex digits");
    }

    @Test
    void theClientTakesTheServersTransportSettingsTypeAndItsValidation() {
        var transport = new dev.superquic.transport.TransportSettings(java.time.Duration.ofSeconds(7), 4 << 20,
                1 << 20, 1400, true, dev.superquic.transport.CongestionControl.CUBIC, null);
        ClientConfig config = ClientConfig.builder().server("127.0.0.1", 5555).trust(TrustConfig.insecure())
                .transport(transport).build();
        org.assertj.core.api.Assertions.assertThat(config.transport()).isEqualTo(transport);
        org.assertj.core.api.Assertions.assertThat(config.idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(7));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientConfig.builder().server("127.0.0.1", 5555)
                        .trust(TrustConfig.insecure()).maxData(2048).maxStreamData(4096).build())
                .isInstanceOf(dev.superquic.transport.InvalidSettingException.class)
                .hasMessageContaining("max-stream-data");
    }

    @Test
    void theClientSetsItsStreamsLikeTheServerWithTheSameValidation() {
        ClientConfig config = ClientConfig.builder().server("127.0.0.1", 5555).trust(TrustConfig.insecure())
                .streamWriteBufferBytes(64 * 1024).streamWriteTimeout(java.time.Duration.ofSeconds(5)).build();
        org.assertj.core.api.Assertions.assertThat(config.streams()).isEqualTo(new dev.superquic.stream.StreamSettings(
                256 * 1024, 64 * 1024, dev.superquic.protocol.Protocol.DEFAULT_MAX_FRAME, java.time.Duration.ofSeconds(5)));
        org.assertj.core.api.Assertions.assertThat(ClientConfig.builder().server("127.0.0.1", 5555)
                .trust(TrustConfig.insecure()).idleTimeout(java.time.Duration.ofSeconds(3)).build().streamWriteTimeout())
                .as("by default a stalled writer ends like a silent connection").isEqualTo(java.time.Duration.ofSeconds(3));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientConfig.builder().server("127.0.0.1", 5555)
                        .trust(TrustConfig.insecure()).streamBufferBytes(100).build())
                .isInstanceOf(dev.superquic.transport.InvalidSettingException.class)
                .hasMessageContaining("stream-buffer");
    }
}

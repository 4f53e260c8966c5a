package dev.superquic.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    @Test
    void defaultsMatchTheDocumentation() {
        ServerConfig c = ServerConfig.builder().build();
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(5555);
        assertThat(c.alpn()).isEqualTo("super-quic");
        assertThat(c.maxBidiStreams()).isEqualTo(100);
        assertThat(c.maxUniStreams()).isZero();
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.sessions().ttl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.certificate()).isInstanceOf(CertificateSource.SelfSigned.class);
        assertThat(c.maxUdpPayload()).isEqualTo(1350);
        assertThat(c.discoverPmtu()).isFalse();
        assertThat(c.streamHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.frameReadTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.maxConnections()).isEqualTo(10_000);
        assertThat(c.maxConnectionsPerAddress()).isEqualTo(1_000);
        assertThat(c.sessions().maxSessions()).isEqualTo(100_000);
        assertThat(c.helloRatePerAddress()).isEqualTo(100);
        assertThat(c.helloBurstPerAddress()).isEqualTo(200);
        assertThat(c.sessions().maxKeys()).isEqualTo(10_000);
        assertThat(c.sessions().maxChars()).isEqualTo(16L * 1024 * 1024);
        assertThat(c.resetSecretFile()).as("the library draws a secret per process").isNull();
        assertThat(c.inboundMemoryPerConnection()).isEqualTo(16L * 1024 * 1024);
        assertThat(c.retry()).isEqualTo(RetryMode.UNDER_LOAD);
        assertThat(c.retryThreshold()).isEqualTo(100);
        assertThat(c.inboundMemoryTotal()).isGreaterThanOrEqualTo(c.inboundMemoryPerConnection());
        assertThat(c.toBuilder().maxSessions(7).build().toBuilder().build().sessions().maxSessions()).isEqualTo(7);
        assertThat(c.toBuilder().discoverPmtu(true).build().toBuilder().build().discoverPmtu()).isTrue();
    }

    @Test
    void invalidValuesNameTheSetting() {
        assertThatThrownBy(() -> ServerConfig.builder().port(70000).build()).hasMessageContaining("port");
        assertThatThrownBy(() -> ServerConfig.builder().maxConnections(10).maxConnectionsPerAddress(11).build())
                .hasMessageContaining("max-connections-per-address");
        assertThatThrownBy(() -> ServerConfig.builder().frameReadTimeout(Duration.ZERO).build())
                .hasMessageContaining("frame-read-timeout");
        assertThatThrownBy(() -> ServerConfig.builder().maxBidiStreams(0).build())
                .isInstanceOf(ServerConfig.InvalidSettingException.class).hasMessageContaining("max-bidi-streams");
        assertThatThrownBy(() -> ServerConfig.builder().alpn("").build()).hasMessageContaining("alpn");
        assertThatThrownBy(() -> ServerConfig.builder().sessionTtl(Duration.ZERO).build())
                .hasMessageContaining("session-ttl");
        assertThatThrownBy(() -> ServerConfig.builder().maxSessions(0).build())
                .isInstanceOf(ServerConfig.InvalidSettingException.class).hasMessageContaining("max-sessions");
        assertThatThrownBy(() -> new SessionSettings(Duration.ofMinutes(1), 10, 0, 10))
                .isInstanceOf(ServerConfig.InvalidSettingException.class).hasMessageContaining("max-session-keys");
        assertThatThrownBy(() -> ServerConfig.builder().maxSessionChars(0).build())
                .hasMessageContaining("max-session-chars");
        assertThatThrownBy(() -> ServerConfig.builder().maxStreamData(64L << 20).maxData(1L << 20).build())
                .hasMessageContaining("max-stream-data");
        assertThatThrownBy(() -> ServerConfig.builder().streamBufferBytes(10).build())
                .hasMessageContaining("stream-buffer");
        assertThatThrownBy(() -> ServerConfig.builder().maxUdpPayload(1199).build())
                .hasMessageContaining("max-udp-payload");
        assertThatThrownBy(() -> ServerConfig.builder().maxUdpPayload(65_508).build())
                .hasMessageContaining("max-udp-payload");
        assertThatThrownBy(() -> ServerConfig.builder().maxUdpPayload(1200).discoverPmtu(true).build())
                .isInstanceOf(dev.superquic.transport.InvalidSettingException.class)
                .hasMessageContaining("discover-pmtu").hasMessageContaining("between 1201 and 16383");
        assertThatThrownBy(() -> ServerConfig.builder().maxUdpPayload(16_384).discoverPmtu(true).build())
                .hasMessageContaining("discover-pmtu");
        assertThat(ServerConfig.builder().maxUdpPayload(16_383).discoverPmtu(true).build().discoverPmtu()).isTrue();
    }

    @Test
    void sessionSettingsGoInAndOutAsOneGroup() {
        SessionSettings sessions = new SessionSettings(Duration.ofSeconds(42), 7, 8, 9);
        ServerConfig c = ServerConfig.builder().sessions(sessions).build();
        assertThat(c.sessions()).isEqualTo(sessions);
        assertThat(c.toBuilder().build().sessions()).isEqualTo(sessions);
        assertThat(ServerConfig.builder().build().sessions()).isEqualTo(SessionSettings.DEFAULT);
    }

    @Test
    void serviceNamesAreChecked() {
        var builder = SuperQuicServer.builder(ServerConfig.builder().build());
        assertThatThrownBy(() -> builder.service("bad name", s -> { })).hasMessageContaining("invalid service name");
        builder.service("ok.name-1", s -> { });
        assertThatThrownBy(() -> builder.service("ok.name-1", s -> { })).hasMessageContaining("twice");
    }
}

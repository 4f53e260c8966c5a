package dev.superquic.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TransportSettingsTest {
    @Test
    void theDefaultsAreValidAndABadValueIsRefusedNamingItsSetting() {
        TransportSettings defaults = TransportSettings.defaults(Duration.ofSeconds(30));
        assertThat(defaults.maxData()).isEqualTo(Transport.DEFAULT_MAX_DATA);
        assertThat(defaults.maxStreamData()).isEqualTo(Transport.DEFAULT_MAX_STREAM_DATA);
        assertThat(defaults.congestionControl()).isEqualTo(CongestionControl.DEFAULT);
        assertThatThrownBy(() -> new TransportSettings(Duration.ZERO, 1 << 20, 1 << 20, 1350, false,
                CongestionControl.DEFAULT, null)).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("idle-timeout");
        assertThatThrownBy(() -> new TransportSettings(Duration.ofSeconds(1), 1 << 20, 2 << 20, 1350, false,
                CongestionControl.DEFAULT, null)).hasMessageContaining("max-stream-data")
                .extracting(e -> ((InvalidSettingException) e).setting()).isEqualTo("max-stream-data");
        assertThatThrownBy(() -> new TransportSettings(Duration.ofSeconds(1), 1 << 20, 1 << 20, 1199, false,
                CongestionControl.DEFAULT, null)).hasMessageContaining("max-udp-payload");
        assertThatThrownBy(() -> new TransportSettings(Duration.ofSeconds(1), 1 << 20, 1 << 20, 1200, true,
                CongestionControl.DEFAULT, null)).hasMessageContaining("discover-pmtu");
    }
}

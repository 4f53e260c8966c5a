package dev.superquic.transport;

import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The congestion controller a QUIC endpoint sends with: it decides how much may be in flight,
 * and so how a connection reacts to loss. Each end chooses its own; it governs what that end
 * sends (uploads are the client's, downloads the server's). docs/OPERATIONS.md, "Congestion
 * control", says which to pick and why {@link #DEFAULT} is BBR.
 */
public enum CongestionControl {
    /**
     * BBR as the quiche inside Netty 4.2.18 implements it: BBRv2 of Google's QUIC stack
     * (quiche's "gcongestion"). It models the path's bandwidth and round-trip time and does not
     * read random loss as congestion, so it keeps its rate on lossy paths.
     */
    BBR(QuicCongestionControlAlgorithm.BBR),
    /** CUBIC (RFC 9438), quiche's own default: halves its rate (by 30 %) on every loss episode. */
    CUBIC(QuicCongestionControlAlgorithm.CUBIC),
    /** NewReno (RFC 9002, section 7), the reference controller. */
    RENO(QuicCongestionControlAlgorithm.RENO);

    /** What superquic's servers and clients use unless told otherwise. */
    public static final CongestionControl DEFAULT = BBR;

    private final QuicCongestionControlAlgorithm netty;

    CongestionControl(QuicCongestionControlAlgorithm netty) {
        this.netty = netty;
    }

    /** The name settings use: {@code bbr}, {@code cubic} or {@code reno}. */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The controller a setting names, in any case; an unknown name is an {@link IllegalArgumentException} listing the known ones. */
    public static CongestionControl parse(String name) {
        for (CongestionControl c : values()) {
            if (c.settingName().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown congestion control '" + name + "' (known: " + known() + ")");
    }

    /** The known names, comma-separated. */
    public static String known() {
        return Arrays.stream(values()).map(CongestionControl::settingName).collect(Collectors.joining(", "));
    }

    /** Makes {@code codec} build connections that send with this controller. */
    public <B extends QuicCodecBuilder<B>> B applyTo(B codec) {
        return codec.congestionControlAlgorithm(netty);
    }
}

package dev.superquic.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.NotResumedReason;
import dev.superquic.protocol.Messages.SessionGranted;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessagesTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void helloRoundTrips() throws Exception {
        Hello resume = Messages.decodeHello(Messages.encode(Hello.resume("tok")));
        assertThat(resume.resume()).isTrue();
        assertThat(resume.token()).isEqualTo("tok");
        assertThat(resume.versions()).containsExactly(2, 1);
        assertThat(Messages.decodeHello(Messages.encode(Hello.newSession())).resume()).isFalse();
    }

    @Test
    void versionsNegotiateToTheNewestBothSpeak() {
        assertThat(Protocol.negotiate(java.util.List.of(1))).hasValue(1);
        assertThat(Protocol.negotiate(java.util.List.of(1, 2, 7))).hasValue(2);
        assertThat(Protocol.negotiate(java.util.List.of(7))).isEmpty();
    }

    @Test
    void channelHeadersAndFramesRoundTrip() throws Exception {
        assertThat(Messages.decodeOpening(Messages.encode(new Messages.ChannelOpen("orders", 17))))
                .isEqualTo(new Messages.ChannelOpen("orders", 17));
        assertThat(Messages.decodeOpening(Messages.encode(new Messages.StreamHeader("echo"))))
                .isEqualTo(new Messages.StreamHeader("echo"));
        assertThat(Messages.decodeChannelAccepted(Messages.channelAccepted(42))).isEqualTo(42);
        for (String bad : new String[] {"{\"channel\":\"a b\",\"delivered\":0}", "{\"channel\":\"a\"}",
            "{\"channel\":\"a\",\"delivered\":-1}"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Messages.decodeOpening(bad.getBytes()))
                    .isInstanceOf(ProtocolException.class);
        }
        var data = (ChannelFrames.Data) ChannelFrames.decode(ChannelFrames.data(5, new byte[] {1, 2}));
        assertThat(data.sequence()).isEqualTo(5);
        assertThat(data.payload()).containsExactly(1, 2);
        assertThat(ChannelFrames.decode(ChannelFrames.ack(9))).isEqualTo(new ChannelFrames.Ack(9));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChannelFrames.decode(ChannelFrames.data(0, new byte[0])))
                .isInstanceOf(ProtocolException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChannelFrames.decode(new byte[] {7, 0, 0, 0, 0, 0, 0, 0, 1}))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void sessionGrantedRoundTrips() throws Exception {
        SessionGranted g = new SessionGranted(1, "s-1", "t", false, NotResumedReason.EXPIRED, 300, true,
                "00112233445566778899aabbccddeeff");
        assertThat(Messages.decodeSessionGranted(Messages.encode(g))).isEqualTo(g);
    }

    @Test
    void malformedInputIsAProtocolViolation() {
        assertThatThrownBy(() -> Messages.decodeHello(utf8("{not json")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("malformed JSON")
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
        assertThatThrownBy(() -> Messages.decodeHello(utf8("[1]"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> Messages.decodeHello(utf8("{\"type\":\"hi\",\"versions\":[1]}")))
                .hasMessageContaining("'new' or 'resume'");
        assertThatThrownBy(() -> Messages.decodeHello(utf8("{\"type\":\"new\",\"versions\":[]}")))
                .hasMessageContaining("versions");
        assertThatThrownBy(() -> Messages.decodeHello(utf8("{\"type\":\"resume\",\"versions\":[1]}")))
                .hasMessageContaining("token");
        assertThatThrownBy(() -> Messages.decodeStreamHeader(utf8("{\"service\":5}")))
                .hasMessageContaining("service");
    }

    @Test
    void errorFramesBecomeExceptionsWithTheirCode() {
        byte[] frame = Messages.encode(new Messages.ErrorMessage(ErrorCode.UNKNOWN_SERVICE, "nope"));
        assertThatThrownBy(() -> Messages.decodeStreamAccepted(frame)).isInstanceOf(ProtocolException.class)
                .hasMessage("nope").extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.UNKNOWN_SERVICE);
    }

    @Test
    void errorCodesAreUniqueOnTheWire() {
        assertThat(java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::quicCode).distinct().count())
                .isEqualTo(ErrorCode.values().length);
        assertThat(ErrorCode.fromQuicCode(0x08)).contains(ErrorCode.SESSION_TAKEN_OVER);
    }
}

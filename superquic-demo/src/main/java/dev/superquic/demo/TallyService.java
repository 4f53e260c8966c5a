package dev.superquic.demo;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.server.ChannelService;
import dev.superquic.server.ServerChannel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The demo channel {@code tally}, the server's half of a lossless-delivery check: every message
 * starts with a number (8 bytes, big-endian) that should count 1, 2, 3...; the service keeps in
 * the session's state ({@code tally} = "next problems") the number it expects next and how many
 * came out of turn, and sends each message back. State, delivery and reply are one commit, so each
 * message is counted and answered exactly once, whatever crashes, reconnects or moves between
 * nodes happen: a client that sent N messages finds {@code tally} = "N+1 0" and N replies in order.
 */
public final class TallyService implements ChannelService {
    /** The channel's name. */
    public static final String NAME = "tally";
    /** The session state key. */
    public static final String STATE_KEY = "tally";

    /** Creates the channel service; the server shares one instance between all its channels. */
    public TallyService() {
    }

    @Override
    public void onMessage(ServerChannel channel, ChannelMessage message) throws Exception {
        if (message.payload().length < Long.BYTES) {
            throw new IllegalArgumentException("a tally message starts with an 8-byte number");
        }
        long n = ByteBuffer.wrap(message.payload()).getLong();
        String[] state = channel.session().get(STATE_KEY).orElse("1 0").split(" ");
        long next = Long.parseLong(state[0]);
        long problems = Long.parseLong(state[1]) + (n == next ? 0 : 1);
        channel.commit(Map.of(STATE_KEY, (n + 1) + " " + problems), List.of(message.payload()));
    }
}

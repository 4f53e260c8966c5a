package dev.superquic.server;

import java.util.Map;

/** A channel as its {@link ChannelService} sees it: a publisher, plus the session and exactly-once commits. */
public interface ServerChannel extends ChannelPublisher {

    /** The session, with its state. */
    Session session();

    /** The id of the connection the channel runs on now, as used in logs. */
    String connectionId();

    /**
     * Inside {@link ChannelService#onMessage}: records the message being handled as delivered,
     * applies {@code stateChanges} to the session's state (a null value removes its key) and sends
     * {@code replies} on this channel, in one store operation: after a crash the message is neither
     * lost nor handled twice, and its replies are sent exactly once. Waits for room for the replies
     * like {@link #send}.
     *
     * @throws dev.superquic.channel.ChannelFullException if there was no room for the replies in
     *     time; nothing changed
     * @throws dev.superquic.server.session.StateLimitException if the changes would take the
     *     state past its limits; nothing changed
     * @throws IllegalStateException outside {@link ChannelService#onMessage}
     */
    void commit(Map<String, String> stateChanges, java.util.List<byte[]> replies)
            throws dev.superquic.channel.ChannelFullException;

    /** {@link #commit(Map, java.util.List)} without replies. */
    default void commit(Map<String, String> stateChanges) throws dev.superquic.channel.ChannelFullException {
        commit(stateChanges, java.util.List.of());
    }
}

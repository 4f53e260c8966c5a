package dev.superquic.server.session;

import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * What a {@link SessionStore} keeps of a session's channels, so that they survive what the store
 * survives: the server's messages the client has not acknowledged yet, and how far the server
 * delivered the client's. A session's channels go with the session: they expire with it.
 *
 * <p>Every call may block, as the store's do. Appends are not fenced (any node may push to a
 * session); deliveries are, with the session's generation, like state writes.
 */
public interface ChannelLog {

    /**
     * Where a channel stands; a channel never used stands at zero.
     *
     * @throws SessionGoneException if the session expired or never existed
     */
    ChannelPosition position(String sessionId, String channel);

    /**
     * Appends a server message to the channel and returns its sequence (the channel's previous
     * last plus one).
     *
     * @throws ChannelFullException if the channel holds {@code limits}' bound of unacknowledged
     *     messages or bytes; nothing was appended
     * @throws SessionGoneException if the session expired or never existed
     */
    long append(String sessionId, String channel, byte[] message, ChannelLimits limits) throws ChannelFullException;

    /** Up to {@code max} of the channel's unacknowledged messages after {@code sequence}, in order. */
    List<ChannelMessage> after(String sessionId, String channel, long sequence, int max);

    /** The client delivered and kept the channel's messages up to {@code sequence}: forget them. */
    void acknowledge(String sessionId, String channel, long sequence);

    /**
     * Records that the client's messages on the channel are delivered up to the commit's sequence,
     * applies its state changes to the session's state (a null value removes its key) and appends
     * its replies to the channel, all in one operation: all of it happens or none. A sequence at or
     * below the recorded one changes nothing of the position.
     *
     * @throws ChannelFullException if the replies do not fit within {@code limits}; nothing changed
     * @throws SessionFencedException if {@code generation} is no longer the session's; nothing changed
     * @throws StateLimitException if the changes would take the state past its limits; nothing changed
     * @return the sequence of the last reply appended, or 0 without replies
     * @throws SessionGoneException if the session expired or never existed
     */
    long delivered(String sessionId, long generation, String channel, Commit commit, ChannelLimits limits)
            throws ChannelFullException;

    /**
     * Records that the client's messages on the channel are delivered up to {@code sequence}, with
     * no state change; a sequence at or below the recorded one changes nothing. Not fenced: the
     * position only grows, and whoever records it did deliver those messages, so a connection
     * that a newer one took over still records what it handled (the newer one must not hand those
     * messages to the service again).
     *
     * @throws SessionGoneException if the session expired or never existed
     */
    void advanceDelivered(String sessionId, String channel, long sequence);

    /**
     * Registers a callback run with the number of unacknowledged channel messages a session held
     * when it expired (they are dropped with it).
     */
    void onMessagesExpired(LongConsumer listener);

    /**
     * What handling one client message did, to be made durable together.
     *
     * @param sequence the message's sequence: it and all before it are delivered
     * @param stateChanges changes of the session's state, a null value removing its key
     * @param replies messages to the client on the same channel
     */
    record Commit(long sequence, Map<String, String> stateChanges, List<byte[]> replies) {
        /** Copies the collections (the state changes may hold nulls). */
        public Commit {
            stateChanges = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stateChanges));
            replies = List.copyOf(replies);
        }

        /** The replies' bytes together. */
        public long replyBytes() {
            return replies.stream().mapToLong(r -> r.length).sum();
        }
    }

    /**
     * Where a channel stands.
     *
     * @param delivered the last client message delivered (0 for none)
     * @param acknowledged the last server message the client acknowledged (0 for none)
     * @param last the last server message appended (0 for none); those after
     *     {@code acknowledged} are kept
     */
    record ChannelPosition(long delivered, long acknowledged, long last) {
        /** A channel never used. */
        public static final ChannelPosition NONE = new ChannelPosition(0, 0, 0);
    }

    /**
     * Bounds of what a channel holds. (A session has at most one channel per channel service of
     * the server: names are the services'.)
     *
     * @param maxMessages unacknowledged server messages per channel
     * @param maxBytes bytes of unacknowledged server messages per channel
     */
    record ChannelLimits(int maxMessages, long maxBytes) {
        /** Checks the values. */
        public ChannelLimits {
            if (maxMessages < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("channel limits must be positive");
            }
        }
    }
}

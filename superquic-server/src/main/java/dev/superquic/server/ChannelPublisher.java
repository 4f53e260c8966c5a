package dev.superquic.server;

import dev.superquic.channel.ChannelFullException;
import java.time.Duration;

/**
 * Sends on one channel of one session, whether or not the session is connected: messages wait in
 * the channel's replay buffer, in the session store, until the client acknowledges them. Any
 * thread; sends may block.
 */
public interface ChannelPublisher {

    /** The session's id. */
    String sessionId();

    /** The channel's name. */
    String name();

    /**
     * Sends a message, waiting for room in the replay buffer up to the server's channel send
     * timeout.
     *
     * @return the message's sequence number
     * @throws ChannelFullException if there was no room in time; nothing was sent
     * @throws dev.superquic.server.session.SessionGoneException if the session expired
     */
    long send(byte[] message) throws ChannelFullException;

    /** {@link #send(byte[])} with a timeout of its own. */
    long send(byte[] message, Duration timeout) throws ChannelFullException;
}

package dev.superquic.server;

import dev.superquic.channel.ChannelMessage;

/**
 * Application code for one named channel (protocol version 2). A session's messages on the
 * channel reach {@link #onMessage} one at a time, in order, each exactly once as long as the
 * server runs; the server may send on the channel at any time, from the handler or from any other
 * thread ({@link SuperQuicServer#channel}).
 *
 * <p>After a crash of the server, messages the client sent since the last delivery the store
 * recorded come again: a handler whose effects live in the session's state commits them with
 * {@link ServerChannel#commit}, together with the delivery, and so never applies a message twice.
 * docs/ARCHITECTURE.md, "Channels", says exactly what is guaranteed.
 */
@FunctionalInterface
public interface ChannelService {

    /**
     * Handles the client's next message. Runs on the channel's virtual thread and may block (the
     * client's later messages wait meanwhile: that is the channel's flow control). A throw resets
     * the channel's stream with SERVICE_ERROR; the message is not delivered.
     */
    void onMessage(ServerChannel channel, ChannelMessage message) throws Exception;

    /**
     * The client opened the channel on a connection (the first time, or again after a reconnect
     * or a restart of the server), before any message of that connection is handled.
     */
    default void onOpen(ServerChannel channel) throws Exception {
    }

    /**
     * The channel's stream on this server ended (the client went away, reconnected elsewhere, or
     * the server is stopping), after its last message was handled. The session and its channel
     * live on: a later {@link #onOpen} may follow, here or on another node.
     */
    default void onClose(ServerChannel channel) {
    }
}

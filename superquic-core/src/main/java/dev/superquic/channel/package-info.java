/**
 * Channels (protocol version 2): named, ordered message flows of a session, both ways, that
 * survive reconnects. The client's API is {@code ClientSession.channel}, the server's
 * {@code ChannelService}; what both share is here.
 */
package dev.superquic.channel;

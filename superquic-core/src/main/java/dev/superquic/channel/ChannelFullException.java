package dev.superquic.channel;

import java.io.IOException;

/**
 * A send found the channel's replay buffer full for its whole timeout: the peer has not
 * acknowledged enough of what was sent before (it is slow, or away). Nothing was sent; the
 * message may be sent again later.
 */
public class ChannelFullException extends IOException {
    /** With a message saying which bound was reached. */
    public ChannelFullException(String message) {
        super(message);
    }
}

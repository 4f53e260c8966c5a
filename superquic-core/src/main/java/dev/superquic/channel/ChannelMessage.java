package dev.superquic.channel;

/**
 * One message of a channel: its sequence number, in its channel and direction from 1 up with no
 * gap, and its bytes.
 *
 * @param sequence the message's number
 * @param payload its bytes (not copied: do not change them)
 */
public record ChannelMessage(long sequence, byte[] payload) {
    /** Checks the values. */
    public ChannelMessage {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequences start at 1");
        }
        java.util.Objects.requireNonNull(payload, "payload");
    }

    @Override
    public String toString() {
        return "ChannelMessage[sequence=" + sequence + ", " + payload.length + " bytes]";
    }
}

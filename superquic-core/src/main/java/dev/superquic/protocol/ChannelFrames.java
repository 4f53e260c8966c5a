package dev.superquic.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The frames of a channel stream after its header exchange (protocol version 2, docs/PROTOCOL.md
 * section 8): binary, inside the usual length-prefixed frames, so a message costs nine bytes of
 * overhead and no JSON.
 *
 * <pre>
 * DATA: 0x01, sequence (uint64 big-endian), message bytes
 * ACK:  0x02, sequence (uint64 big-endian): every message up to it is delivered and kept
 * </pre>
 */
public final class ChannelFrames {
    /** Type byte of a message frame. */
    public static final byte DATA = 0x01;
    /** Type byte of a cumulative acknowledgement. */
    public static final byte ACK = 0x02;
    /** Bytes before a message's own bytes in a DATA frame. */
    public static final int DATA_OVERHEAD = 9;

    private ChannelFrames() {
    }

    /** A decoded channel frame. */
    public sealed interface Frame permits Data, Ack {
    }

    /**
     * A message.
     *
     * @param sequence its number in its channel and direction, from 1
     * @param payload its bytes
     */
    public record Data(long sequence, byte[] payload) implements Frame {
    }

    /**
     * A cumulative acknowledgement.
     *
     * @param sequence every message up to this one is delivered and kept by the receiver
     */
    public record Ack(long sequence) implements Frame {
    }

    /** A DATA frame's payload. */
    public static byte[] data(long sequence, byte[] message) {
        byte[] frame = new byte[DATA_OVERHEAD + message.length];
        ByteBuffer.wrap(frame).put(DATA).putLong(sequence).put(message);
        return frame;
    }

    /** An ACK frame's payload. */
    public static byte[] ack(long sequence) {
        byte[] frame = new byte[DATA_OVERHEAD];
        ByteBuffer.wrap(frame).put(ACK).putLong(sequence);
        return frame;
    }

    /**
     * Decodes a frame's payload.
     *
     * @throws ProtocolException PROTOCOL_VIOLATION for an unknown type, a short frame or a
     *     sequence below 1
     */
    public static Frame decode(byte[] frame) throws ProtocolException {
        if (frame.length < DATA_OVERHEAD) {
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "channel frame of " + frame.length
                    + " bytes; at least " + DATA_OVERHEAD + " expected");
        }
        ByteBuffer in = ByteBuffer.wrap(frame);
        byte type = in.get();
        long sequence = in.getLong();
        switch (type) {
            case DATA -> {
                if (sequence < 1) {
                    throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "message sequence " + sequence
                            + "; sequences start at 1");
                }
                return new Data(sequence, Arrays.copyOfRange(frame, DATA_OVERHEAD, frame.length));
            }
            case ACK -> {
                if (sequence < 0 || frame.length != DATA_OVERHEAD) {
                    throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "malformed channel ACK");
                }
                return new Ack(sequence);
            }
            default -> throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                    "unknown channel frame type " + type);
        }
    }
}

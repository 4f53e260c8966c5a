package dev.superquic.client;

import dev.superquic.channel.ChannelMessage;
import dev.superquic.channel.ChannelSettings;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ClientChannel}'s replay buffer: the messages sent and not yet acknowledged by the
 * server, with their numbering. Not thread-safe: the channel's lock guards it.
 */
final class SendBuffer {
    private final ArrayDeque<ChannelMessage> kept = new ArrayDeque<>();
    private long bytes;
    private long last;
    private long acknowledged;
    /** Whether this process sent on the channel: a restarted client takes up the server's count. */
    private boolean sentHere;

    /** Whether a message of {@code length} bytes fits within {@code bounds}. */
    boolean hasRoom(int length, ChannelSettings bounds) {
        return kept.size() < bounds.maxMessages() && bytes + length <= bounds.maxBytes();
    }

    /** Numbers a copy of {@code message} and keeps it. */
    ChannelMessage add(byte[] message) {
        ChannelMessage added = new ChannelMessage(++last, message.clone());
        sentHere = true;
        kept.addLast(added);
        bytes += message.length;
        return added;
    }

    /** Up to {@code max} kept messages after {@code sequence}, in order. */
    List<ChannelMessage> after(long sequence, int max) {
        List<ChannelMessage> out = new ArrayList<>();
        for (ChannelMessage m : kept) {
            if (m.sequence() > sequence) {
                out.add(m);
                if (out.size() == max) {
                    break;
                }
            }
        }
        return out;
    }

    /** The server has every message up to {@code sequence}: drops them; returns whether that freed room. */
    boolean acknowledge(long sequence) {
        while (!kept.isEmpty() && kept.peekFirst().sequence() <= sequence) {
            bytes -= kept.removeFirst().payload().length;
        }
        if (sequence > acknowledged) {
            acknowledged = sequence;
            return true;
        }
        return false;
    }

    /**
     * A stream opened and the server has the messages up to {@code serverHas}. A client that sent
     * nothing in this process (a restart) takes up that count: what its previous process sent
     * beyond it died with it.
     *
     * @return false if that does not fit what this buffer sent and kept: the channel is lost
     */
    boolean resumeAt(long serverHas) {
        if (!sentHere && last == 0) {
            last = serverHas;
            acknowledged = serverHas;
        }
        if (serverHas > last || serverHas < acknowledged) {
            return false;
        }
        acknowledge(serverHas);
        return true;
    }

    /** The last sequence sent. */
    long last() {
        return last;
    }

    /** Messages kept. */
    int size() {
        return kept.size();
    }

    /** For messages: sent, acknowledged, and what is kept. */
    String describe() {
        return "sent " + last + ", acknowledged " + acknowledged + " (" + kept.size() + " messages, " + bytes
                + " bytes kept)";
    }
}

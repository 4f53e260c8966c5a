package dev.superquic.server.session;

import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The channels of {@link SqliteSessionStore}'s sessions: tables {@code channels} (positions, and
 * the count and bytes of kept messages) and {@code channel_messages}, both deleted with their
 * session. Every call is a transaction on the store's one connection.
 */
final class SqliteChannels implements ChannelLog {
    private final SqliteSessionStore store;
    private final List<LongConsumer> expiryListeners = new CopyOnWriteArrayList<>();

    SqliteChannels(SqliteSessionStore store) {
        this.store = store;
    }

    @Override
    public ChannelPosition position(String sessionId, String channel) {
        return store.inTransaction(() -> {
            store.state().usage(sessionId, -1);
            long[] row = row(sessionId, channel);
            return row == null ? ChannelPosition.NONE : new ChannelPosition(row[0], row[1], row[2]);
        });
    }

    @Override
    public long append(String sessionId, String channel, byte[] message, ChannelLimits limits)
            throws ChannelFullException {
        long sequence = store.inTransaction(() -> {
            store.state().usage(sessionId, -1);
            long[] row = rowOrNew(sessionId, channel);
            return fits(row, 1, message.length, limits) ? insert(sessionId, channel, row, List.of(message)) : -1L;
        });
        if (sequence < 0) {
            throw full(sessionId, channel, limits);
        }
        return sequence;
    }

    /** Whether {@code messages} more of {@code bytes} together fit the channel ({@link #row}) within its bounds. */
    private static boolean fits(long[] row, int messages, long bytes, ChannelLimits limits) {
        return row[3] + messages <= limits.maxMessages() && row[4] + bytes <= limits.maxBytes();
    }

    private static ChannelFullException full(String sessionId, String channel, ChannelLimits limits) {
        return new ChannelFullException("channel '" + channel + "' of session " + sessionId + " holds its bound of "
                + limits.maxMessages() + " unacknowledged messages or " + limits.maxBytes() + " bytes");
    }

    /** Inside a transaction: appends the messages after the channel's last ({@link #row}); returns the last sequence. */
    private long insert(String sessionId, String channel, long[] row, List<byte[]> messages) throws SQLException {
        long seq = row[2];
        long bytes = 0;
        try (PreparedStatement insert = store.db().prepareStatement(
                "INSERT INTO channel_messages (session_id, name, seq, payload) VALUES (?, ?, ?, ?)")) {
            for (byte[] message : messages) {
                insert.setString(1, sessionId);
                insert.setString(2, channel);
                insert.setLong(3, ++seq);
                insert.setBytes(4, message);
                insert.executeUpdate();
                bytes += message.length;
            }
        }
        try (PreparedStatement update = store.db().prepareStatement("UPDATE channels SET last = ?, kept = kept + ?,"
                + " bytes = bytes + ? WHERE session_id = ? AND name = ?")) {
            update.setLong(1, seq);
            update.setLong(2, messages.size());
            update.setLong(3, bytes);
            update.setString(4, sessionId);
            update.setString(5, channel);
            update.executeUpdate();
        }
        return seq;
    }

    @Override
    public List<ChannelMessage> after(String sessionId, String channel, long sequence, int max) {
        return store.inTransaction(() -> {
            store.state().usage(sessionId, -1);
            List<ChannelMessage> out = new ArrayList<>();
            try (PreparedStatement select = store.db().prepareStatement("SELECT seq, payload FROM channel_messages"
                    + " WHERE session_id = ? AND name = ? AND seq > ? ORDER BY seq LIMIT ?")) {
                select.setString(1, sessionId);
                select.setString(2, channel);
                select.setLong(3, sequence);
                select.setInt(4, max);
                try (ResultSet r = select.executeQuery()) {
                    while (r.next()) {
                        out.add(new ChannelMessage(r.getLong(1), r.getBytes(2)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void acknowledge(String sessionId, String channel, long sequence) {
        store.inTransaction(() -> {
            store.state().usage(sessionId, -1);
            long[] row = row(sessionId, channel);
            if (row == null || sequence <= row[1]) {
                return null;
            }
            long upTo = Math.min(sequence, row[2]);
            long[] dropped = new long[2];
            try (PreparedStatement sum = store.db().prepareStatement("SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0)"
                    + " FROM channel_messages WHERE session_id = ? AND name = ? AND seq <= ?")) {
                sum.setString(1, sessionId);
                sum.setString(2, channel);
                sum.setLong(3, upTo);
                try (ResultSet r = sum.executeQuery()) {
                    r.next();
                    dropped[0] = r.getLong(1);
                    dropped[1] = r.getLong(2);
                }
            }
            try (PreparedStatement delete = store.db().prepareStatement(
                    "DELETE FROM channel_messages WHERE session_id = ? AND name = ? AND seq <= ?");
                 PreparedStatement update = store.db().prepareStatement("UPDATE channels SET acknowledged = ?,"
                         + " kept = kept - ?, bytes = bytes - ? WHERE session_id = ? AND name = ?")) {
                delete.setString(1, sessionId);
                delete.setString(2, channel);
                delete.setLong(3, upTo);
                delete.executeUpdate();
                update.setLong(1, upTo);
                update.setLong(2, dropped[0]);
                update.setLong(3, dropped[1]);
                update.setString(4, sessionId);
                update.setString(5, channel);
                update.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public long delivered(String sessionId, long generation, String channel, Commit commit, ChannelLimits limits)
            throws ChannelFullException {
        long lastReply = store.inTransaction(() -> {
            store.state().usage(sessionId, generation);
            long[] row = rowOrNew(sessionId, channel);
            if (!fits(row, commit.replies().size(), commit.replyBytes(), limits)) {
                return -1L;
            }
            if (!commit.stateChanges().isEmpty()) {
                store.state().apply(sessionId, generation, commit.stateChanges());
            }
            long last = commit.replies().isEmpty() ? 0 : insert(sessionId, channel, row, commit.replies());
            setDelivered(sessionId, channel, commit.sequence());
            return last;
        });
        if (lastReply < 0) {
            throw full(sessionId, channel, limits);
        }
        return lastReply;
    }

    @Override
    public void advanceDelivered(String sessionId, String channel, long sequence) {
        store.inTransaction(() -> {
            store.state().usage(sessionId, -1);
            setDelivered(sessionId, channel, sequence);
            return null;
        });
    }

    private void setDelivered(String sessionId, String channel, long sequence) throws SQLException {
        rowOrNew(sessionId, channel);
        try (PreparedStatement update = store.db().prepareStatement("UPDATE channels SET delivered = MAX(delivered, ?)"
                + " WHERE session_id = ? AND name = ?")) {
            update.setLong(1, sequence);
            update.setString(2, sessionId);
            update.setString(3, channel);
            update.executeUpdate();
        }
    }

    @Override
    public void onMessagesExpired(LongConsumer listener) {
        expiryListeners.add(listener);
    }

    /** The session's kept messages, counted inside the transaction that expires it. */
    long keptMessages(String sessionId) throws SQLException {
        try (PreparedStatement sum = store.db().prepareStatement(
                "SELECT COALESCE(SUM(kept), 0) FROM channels WHERE session_id = ?")) {
            sum.setString(1, sessionId);
            try (ResultSet r = sum.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    /** After the commit: messages dropped with expired sessions. */
    void messagesExpired(long count) {
        if (count > 0) {
            expiryListeners.forEach(l -> l.accept(count));
        }
    }

    /** {@code [delivered, acknowledged, last, kept, bytes]}, or null for a channel never used. */
    private long[] row(String sessionId, String channel) throws SQLException {
        try (PreparedStatement select = store.db().prepareStatement("SELECT delivered, acknowledged, last, kept, bytes"
                + " FROM channels WHERE session_id = ? AND name = ?")) {
            select.setString(1, sessionId);
            select.setString(2, channel);
            try (ResultSet r = select.executeQuery()) {
                return r.next() ? new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)}
                        : null;
            }
        }
    }

    private long[] rowOrNew(String sessionId, String channel) throws SQLException {
        long[] row = row(sessionId, channel);
        if (row != null) {
            return row;
        }
        try (PreparedStatement insert = store.db().prepareStatement(
                "INSERT INTO channels (session_id, name) VALUES (?, ?)")) {
            insert.setString(1, sessionId);
            insert.setString(2, channel);
            insert.executeUpdate();
        }
        return new long[5];
    }
}

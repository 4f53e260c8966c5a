package dev.superquic.server.internal.protocol;

import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.channel.ChannelSettings;
import dev.superquic.channel.internal.ChannelPump;
import dev.superquic.protocol.ChannelFrames;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages.ChannelOpen;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.ChannelPublisher;
import dev.superquic.server.ChannelService;
import dev.superquic.server.ServerChannel;
import dev.superquic.server.Session;
import dev.superquic.server.internal.connection.ConnectionState.SessionBinding;
import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.session.SessionManager;
import dev.superquic.server.session.ChannelLog.ChannelLimits;
import dev.superquic.server.session.ChannelLog.ChannelPosition;
import dev.superquic.server.session.ChannelLog;
import dev.superquic.stream.internal.ChannelStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's channels: runs each channel stream (the header's positions checked against the
 * store, then a {@link ChannelPump} between the stream, the store's {@link ChannelLog} and the
 * {@link ChannelService}), and sends for server code. One stream per session and channel at a
 * time: a newer one (a reconnect) replaces the older.
 */
public final class ServerChannels {
    private static final Logger log = LoggerFactory.getLogger(ServerChannels.class);
    /** How often a full send looks again when no acknowledgement of this process woke it. */
    private static final long FULL_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ChannelLog channelLog;
    private final Map<String, ChannelService> services;
    private final ChannelSettings settings;
    private final ChannelLimits limits;
    private final SessionManager sessions;
    private final ChannelMetrics metrics;
    private final int maxMessageBytes;
    private final Map<String, Endpoint> live = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Handled>> handledBySession = new ConcurrentHashMap<>();
    private final ReentrantLock roomLock = new ReentrantLock();
    private final Condition roomFreed = roomLock.newCondition();

    public ServerChannels(ChannelLog channelLog, Map<String, ChannelService> services, ChannelSettings settings,
                   SessionManager sessions, ChannelMetrics metrics, int maxFrameSize) {
        if (!services.isEmpty() && channelLog == null) {
            log.warn("channels {} are refused: the session store keeps no channels", services.keySet());
        }
        this.channelLog = channelLog;
        this.services = Map.copyOf(services);
        this.settings = settings;
        this.limits = new ChannelLimits(settings.maxMessages(), settings.maxBytes());
        this.sessions = sessions;
        this.metrics = metrics;
        this.maxMessageBytes = maxFrameSize - ChannelFrames.DATA_OVERHEAD;
        if (channelLog != null) {
            channelLog.onMessagesExpired(metrics::expired);
        }
    }

    /** The key of a session's channel in {@link #live}. */
    private static String key(String sessionId, String channel) {
        return sessionId + "/" + channel;
    }

    /** The session expired: forget what its channels handled here. */
    public void forget(String sessionId) {
        handledBySession.remove(sessionId);
    }

    private Handled handled(String sessionId, String channel) {
        return handledBySession.computeIfAbsent(sessionId, id -> new ConcurrentHashMap<>())
                .computeIfAbsent(channel, n -> new Handled());
    }

    /**
     * What this process handled of one session's channel, across its streams: the last message
     * handed to the service, and the lock every delivery holds. A newer stream (a reconnect) then
     * waits for a message an older one is still handling, and skips it once handled, instead of
     * handing it to the service twice.
     */
    private static final class Handled {
        final ReentrantLock lock = new ReentrantLock();
        volatile long last;
    }

    /** A publisher for server code. */
    public ChannelPublisher publisher(String sessionId, String name) {
        if (!services.containsKey(name)) {
            throw new IllegalArgumentException("no channel service named '" + name + "'");
        }
        if (channelLog == null) {
            throw new IllegalStateException("the session store keeps no channels");
        }
        return new Publisher(sessionId, name);
    }

    /**
     * Runs a channel stream until it ends, on its virtual thread.
     *
     * @throws ProtocolException UNKNOWN_SERVICE, CHANNEL_LOST or PROTOCOL_VIOLATION, answered with
     *     an error frame by the caller
     */
    void serve(ConnectionState conn, ChannelStream stream, SessionBinding binding, ChannelOpen open) throws Exception {
        ChannelService service = services.get(open.channel());
        if (service == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_SERVICE, "no channel named '" + open.channel() + "'");
        }
        if (channelLog == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_SERVICE, "channel '" + open.channel()
                    + "' is not available: this server's session store keeps no channels");
        }
        String sessionId = binding.sessionId();
        String key = key(sessionId, open.channel());
        Endpoint previous = live.get(key);
        if (previous != null) {
            previous.stop(); // its handler may still be busy: deliveries are serialized below, not waited for
        }
        Handled handled = handled(sessionId, open.channel());
        ChannelPosition stored = sessions.timed("channel_position", () -> channelLog.position(sessionId, open.channel()));
        // What an earlier stream of this process handled counts even if it could not record it yet.
        long delivered = Math.max(stored.delivered(), handled.last);
        if (delivered > stored.delivered()) {
            sessions.timed("channel_delivered", () -> {
                channelLog.advanceDelivered(sessionId, open.channel(), delivered);
                return null;
            });
        }
        ChannelPosition position = new ChannelPosition(delivered, stored.acknowledged(), stored.last());
        if (open.delivered() > position.last() || open.delivered() < position.acknowledged()) {
            metrics.lost();
            throw new ProtocolException(ErrorCode.CHANNEL_LOST, "the client says it has message " + open.delivered()
                    + " of channel '" + open.channel() + "', but the server sent up to " + position.last()
                    + " and kept those after " + position.acknowledged());
        }
        if (open.delivered() > position.acknowledged()) {
            sessions.timed("channel_ack", () -> {
                channelLog.acknowledge(sessionId, open.channel(), open.delivered());
                return null;
            });
        }
        Endpoint endpoint = new Endpoint(conn.id(), binding, sessions.view(binding), open.channel(), service,
                handled, position.delivered());
        Endpoint replaced = live.put(key, endpoint);
        if (replaced != null && replaced != previous) {
            replaced.stop(); // a third stream raced this one: the newest wins
        }
        metrics.opened();
        try {
            stream.writeFrame(Messages.channelAccepted(position.delivered()));
            log.info("channel {} open: the client has {} of {} messages sent, the server delivered {} of the client's",
                    open.channel(), open.delivered(), position.last(), position.delivered());
            service.onOpen(endpoint);
            endpoint.pump = new ChannelPump(stream, endpoint, endpoint, open.delivered(), position.delivered(), settings);
            endpoint.run(stream);
            log.info("channel {} ended by the client", open.channel());
        } catch (Exception e) {
            log.info("channel {} ended: {}", open.channel(), e.toString());
            throw e;
        } finally {
            try {
                endpoint.recordDelivered();
            } catch (RuntimeException e) {
                // Gone or a store failure: the client replays what was not recorded.
                log.info("channel {}: delivery position not recorded: {}", open.channel(), e.toString());
            }
            live.remove(key, endpoint);
            metrics.closed();
            try {
                service.onClose(endpoint);
            } catch (RuntimeException e) {
                log.warn("channel {}: onClose failed", open.channel(), e);
            }
        }
    }

    /** Appends for a session and wakes its live stream, waiting for room up to {@code timeout}. */
    private long send(String sessionId, String name, byte[] message, Duration timeout) throws ChannelFullException {
        checkSize(message);
        long sequence = whenRoom(timeout, () -> channelLog.append(sessionId, name, message, limits), "channel_append");
        metrics.sent();
        Endpoint endpoint = live.get(key(sessionId, name));
        if (endpoint != null && endpoint.pump != null) {
            endpoint.pump.sendNow(new ChannelMessage(sequence, message));
        }
        return sequence;
    }

    private void checkSize(byte[] message) {
        if (message.length > maxMessageBytes) {
            throw new IllegalArgumentException("a channel message holds at most " + maxMessageBytes + " bytes; this one "
                    + message.length);
        }
    }

    /** A store operation that needs room in a channel. */
    private interface NeedsRoom<T> {
        T run() throws ChannelFullException;
    }

    /**
     * Runs {@code operation} (timed as {@code op}) until it finds room, waiting for
     * acknowledgements in between, for at most {@code timeout}.
     */
    private <T> T whenRoom(Duration timeout, NeedsRoom<T> operation, String op) throws ChannelFullException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ChannelFullException[] full = new ChannelFullException[1];
            T result = sessions.timed(op, () -> {
                try {
                    return operation.run();
                } catch (ChannelFullException e) {
                    full[0] = e;
                    return null;
                }
            });
            if (full[0] == null) {
                return result;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                metrics.full();
                throw full[0];
            }
            awaitRoom(Math.min(left, FULL_RECHECK_NANOS));
        }
    }

    private void awaitRoom(long nanos) throws ChannelFullException {
        roomLock.lock();
        try {
            roomFreed.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelFullException("interrupted while waiting for room in the channel");
        } finally {
            roomLock.unlock();
        }
    }

    private void roomFreed() {
        roomLock.lock();
        try {
            roomFreed.signalAll();
        } finally {
            roomLock.unlock();
        }
    }

    /** Sends on one session's channel: for server code, and the base of each stream's {@link Endpoint}. */
    private class Publisher implements ChannelPublisher {
        final String sessionId;
        final String name;

        Publisher(String sessionId, String name) {
            this.sessionId = sessionId;
            this.name = name;
        }

        @Override
        public String sessionId() {
            return sessionId;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long send(byte[] message) throws ChannelFullException {
            return ServerChannels.this.send(sessionId, name, message, settings.sendTimeout());
        }

        @Override
        public long send(byte[] message, Duration timeout) throws ChannelFullException {
            return ServerChannels.this.send(sessionId, name, message, timeout);
        }
    }

    /** One channel stream: the handler's view, the pump's outbox (the store) and inbox (the handler). */
    private final class Endpoint extends Publisher implements ServerChannel, ChannelPump.Outbox, ChannelPump.Inbox {
        private final String connectionId;
        private final SessionBinding binding;
        private final Session session;
        private final ChannelService service;
        private final Handled handled;
        private volatile ChannelPump pump;
        private volatile ChannelStream stream;
        private volatile boolean stopped;
        /** The last client message handled, and the last the store has as delivered. */
        private volatile long delivered;
        private volatile long recorded;
        /** The message being handled, and the thread handling it; null between messages. */
        private volatile ChannelMessage current;
        private volatile Thread deliverer;

        Endpoint(String connectionId, SessionBinding binding, Session session, String name, ChannelService service,
                 Handled handled, long delivered) {
            super(binding.sessionId(), name);
            this.connectionId = connectionId;
            this.binding = binding;
            this.session = session;
            this.service = service;
            this.handled = handled;
            this.delivered = delivered;
            this.recorded = delivered;
        }

        void run(ChannelStream channelStream) throws Exception {
            stream = channelStream;
            if (stopped) {
                return;
            }
            pump.run();
        }

        /** A newer stream took the channel: end this one (its reader's read fails). */
        void stop() {
            stopped = true;
            ChannelStream s = stream;
            if (s != null) {
                s.reset(ErrorCode.SESSION_TAKEN_OVER);
            }
        }

        @Override
        public Session session() {
            return session;
        }

        @Override
        public String connectionId() {
            return connectionId;
        }

        @Override
        public void commit(Map<String, String> stateChanges, List<byte[]> replies) throws ChannelFullException {
            ChannelMessage m = current;
            if (m == null || Thread.currentThread() != deliverer) {
                throw new IllegalStateException("commit belongs inside onMessage, on the channel's thread");
            }
            for (byte[] reply : replies) {
                checkSize(reply);
            }
            ChannelLog.Commit commit = new ChannelLog.Commit(m.sequence(), stateChanges, replies);
            long lastReply = whenRoom(settings.sendTimeout(),
                    () -> channelLog.delivered(sessionId, binding.generation(), name, commit, limits),
                    "channel_delivered");
            recorded = m.sequence();
            if (replies.size() == 1) {
                metrics.sent();
                pump.sendNow(new ChannelMessage(lastReply, replies.getFirst()));
            } else if (!replies.isEmpty()) {
                replies.forEach(r -> metrics.sent());
                pump.wake();
            }
        }

        @Override
        public List<ChannelMessage> after(long sequence, int max) {
            return sessions.timed("channel_read", () -> channelLog.after(sessionId, name, sequence, max));
        }

        @Override
        public void acknowledged(long sequence) {
            sessions.timed("channel_ack", () -> {
                channelLog.acknowledge(sessionId, name, sequence);
                return null;
            });
            roomFreed();
        }

        @Override
        public void deliver(ChannelMessage message) throws Exception {
            handled.lock.lock();
            try {
                if (message.sequence() > handled.last) { // else an older stream of this channel handled it
                    deliverer = Thread.currentThread();
                    current = message;
                    try {
                        service.onMessage(this, message);
                    } finally {
                        current = null;
                    }
                    handled.last = message.sequence();
                    metrics.received();
                }
                delivered = message.sequence();
            } finally {
                handled.lock.unlock();
            }
        }

        @Override
        public long acknowledgeable() {
            return delivered;
        }

        @Override
        public long prepareAck() {
            recordDelivered();
            return recorded;
        }

        /** Records in the store what was handled and not yet recorded. */
        void recordDelivered() {
            long d = delivered;
            if (d > recorded) {
                sessions.timed("channel_delivered", () -> {
                    channelLog.advanceDelivered(sessionId, name, d);
                    return null;
                });
                recorded = d;
            }
        }
    }
}

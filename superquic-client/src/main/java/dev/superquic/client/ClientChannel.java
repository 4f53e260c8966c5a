package dev.superquic.client;

import dev.superquic.channel.ChannelFullException;
import dev.superquic.channel.ChannelMessage;
import dev.superquic.channel.ChannelSettings;
import dev.superquic.channel.internal.ChannelPump;
import dev.superquic.client.internal.ClientConnection;
import dev.superquic.protocol.ChannelFrames;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages.SessionGranted;
import dev.superquic.protocol.Protocol;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.stream.StreamResetException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel of a session: a named, ordered flow of messages both ways that outlives connections
 * (protocol version 2). Get one with {@link ClientSession#channel}.
 *
 * <p>{@link #send} numbers a message and keeps it until the server acknowledges it; after a
 * reconnect whatever the server does not have yet is sent again, and the server drops what it
 * had. When the replay buffer is full, {@code send} waits for acknowledgements, and fails with
 * {@link ChannelFullException} after the send timeout. Received messages are taken with
 * {@link #receive} or a listener ({@link #onMessage}), in order, each once; the server forgets a
 * message only once the application took it (and, with a {@link TokenStore} that keeps positions,
 * once that was saved), so none is lost to a reconnect or a restart of the server.
 *
 * <p>A channel that cannot go on without a gap (the session was not resumed, say) fails: every
 * call then throws a {@link ProtocolException} with {@link ErrorCode#CHANNEL_LOST} (or the code the
 * server refused it with). Thread-safe.
 */
public final class ClientChannel {
    private static final Logger log = LoggerFactory.getLogger(ClientChannel.class);
    /** Received messages the application has not taken yet; more wait at the server (flow control). */
    private static final int RECEIVE_QUEUE = 256;
    /** Back-off before reopening a channel whose stream failed on a connection that is still up. */
    private static final Duration REOPEN_DELAY = Duration.ofMillis(500);

    private final ClientSession session;
    private final String name;
    private final ChannelSettings settings;
    private final TokenStore positions;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Sent and not acknowledged: the replay buffer. */
    private final SendBuffer sent = new SendBuffer();
    /** One connection's run at a time. */
    private final ReentrantLock running = new ReentrantLock();
    /** Received and not taken yet. */
    private final ArrayDeque<ChannelMessage> received = new ArrayDeque<>();
    private long lastReceived;
    private volatile long taken;
    private IOException failure;
    private boolean listening;
    private volatile ChannelPump pump;
    /** The session the positions belong to, once known. */
    private volatile String sessionId;

    ClientChannel(ClientSession session, String name, ChannelSettings settings, TokenStore positions) {
        this.session = session;
        this.name = name;
        this.settings = settings;
        this.positions = positions;
    }

    /** The channel's name. */
    public String name() {
        return name;
    }

    /**
     * Sends a message: numbers it and keeps it until the server acknowledges it. Waits while the
     * replay buffer is full, up to the send timeout; works while disconnected (the message leaves
     * after the reconnect).
     *
     * @return the message's sequence number
     * @throws ChannelFullException if the buffer stayed full for the send timeout; nothing was sent
     * @throws ProtocolException if the channel failed (its code says why)
     * @throws IllegalArgumentException if the message exceeds the largest frame the server accepts
     */
    public long send(byte[] message) throws IOException {
        if (message.length > Protocol.DEFAULT_MAX_FRAME - ChannelFrames.DATA_OVERHEAD) {
            throw new IllegalArgumentException("a channel message holds at most "
                    + (Protocol.DEFAULT_MAX_FRAME - ChannelFrames.DATA_OVERHEAD) + " bytes");
        }
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
        ChannelMessage added;
        lock.lock();
        try {
            while (true) {
                throwIfFailed();
                if (sent.hasRoom(message.length, settings)) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ChannelFullException("channel '" + name + "': " + sent.describe()
                            + " wait for the server's acknowledgement; the bound is " + settings.maxMessages()
                            + " messages, " + settings.maxBytes() + " bytes");
                }
                changed.awaitNanos(left);
            }
            added = sent.add(message);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for room in channel '" + name + "'");
        } finally {
            lock.unlock();
        }
        ChannelPump p = pump;
        if (p != null) {
            p.sendNow(added);
        }
        return added.sequence();
    }

    /**
     * Takes the next message, waiting as long as it takes.
     *
     * @throws ProtocolException if the channel failed
     * @throws IOException if the session closed
     */
    public ChannelMessage receive() throws IOException {
        return receive(Duration.ofNanos(Long.MAX_VALUE)).orElseThrow(() -> new IOException("channel closed"));
    }

    /**
     * Takes the next message, waiting up to {@code timeout}; empty if none came.
     *
     * @throws ProtocolException if the channel failed
     * @throws IOException if the session closed
     */
    public Optional<ChannelMessage> receive(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 2);
        ChannelMessage message;
        lock.lock();
        try {
            while (received.isEmpty()) {
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                changed.awaitNanos(left);
            }
            message = received.removeFirst();
            taken = message.sequence();
            changed.signalAll(); // room for the pump's next message
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a message of channel '" + name + "'");
        } finally {
            lock.unlock();
        }
        ChannelPump p = pump;
        if (p != null) {
            p.acknowledgeableChanged();
        }
        return Optional.of(message);
    }

    /**
     * Hands every message to {@code listener} instead, on a thread of the session, in order; the
     * server forgets a message once the listener returned. Set once; {@link #receive} must not be
     * used then.
     */
    public void onMessage(Consumer<ChannelMessage> listener) {
        lock.lock();
        try {
            if (listening) {
                throw new IllegalStateException("channel '" + name + "' has a listener already");
            }
            listening = true;
        } finally {
            lock.unlock();
        }
        session.startThread("superquic-channel-" + name, () -> {
            try {
                while (true) {
                    ChannelMessage m = receive();
                    listener.accept(m);
                }
            } catch (IOException e) {
                log.debug("channel {}: listener stops: {}", name, e.getMessage());
            }
        });
    }

    /** Messages sent and not yet acknowledged by the server. */
    public int unacknowledged() {
        lock.lock();
        try {
            return sent.size();
        } finally {
            lock.unlock();
        }
    }

    /** Why the channel failed, if it did. */
    public Optional<IOException> failure() {
        lock.lock();
        try {
            return Optional.ofNullable(failure);
        } finally {
            lock.unlock();
        }
    }

    /** The session is closing: saves how far the application took the server's messages. */
    void savePosition() {
        String id = sessionId;
        long t = taken;
        if (id != null && t > 0) {
            try {
                positions.savePosition(id, name, t);
            } catch (IOException e) {
                log.warn("channel {}: could not save its position: {}", name, e.getMessage());
            }
        }
    }

    /** The session ended: wake every waiting caller. */
    void sessionClosed(Throwable cause) {
        fail(new IOException("session is closed" + (cause == null ? "" : ": " + cause.getMessage()), cause), false);
    }

    /**
     * Runs the channel over {@code link} until the link or the channel ends, on a session thread:
     * called for every connection the session makes.
     */
    void runOn(ClientConnection link, SessionGranted granted) {
        running.lock();
        try {
            if (!admit(granted)) {
                return;
            }
            while (link.isUsable()) {
                try {
                    runOnce(link);
                } catch (ProtocolException e) {
                    fail(e, true);
                    return;
                } catch (StreamResetException e) {
                    ErrorCode code = ErrorCode.fromQuicCode(e.applicationCode()).orElse(null);
                    if (code == ErrorCode.SERVICE_ERROR || code == ErrorCode.PROTOCOL_VIOLATION
                            || code == ErrorCode.CHANNEL_LOST) {
                        fail(new ProtocolException(code, "channel '" + name + "' reset by the server: " + e.getMessage()),
                                true);
                        return;
                    }
                    log.debug("channel {}: stream reset ({}); reopening", name, e.getMessage());
                } catch (IOException e) {
                    log.debug("channel {}: stream ended ({})", name, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return; // the session is closing
                } catch (Exception e) {
                    log.debug("channel {}: stream failed ({})", name, e.toString());
                } finally {
                    pump = null;
                }
                if (!pauseBeforeReopen()) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            log.warn("channel {} failed", name, e);
            fail(new IOException("channel '" + name + "' failed: " + e, e), true);
        } finally {
            running.unlock();
        }
    }

    /** Checks that this connection can carry the channel on without a gap. */
    private boolean admit(SessionGranted granted) throws RuntimeException {
        if (failed()) {
            return false;
        }
        if (granted.version() < Protocol.CHANNELS_VERSION) {
            fail(new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "the server speaks protocol version "
                    + granted.version() + "; channels need " + Protocol.CHANNELS_VERSION), true);
            return false;
        }
        String previous = sessionId;
        sessionId = granted.sessionId();
        if (previous == null) {
            loadPosition(granted.sessionId());
        }
        boolean hasHistory;
        lock.lock();
        try {
            hasHistory = sent.last() > 0 || lastReceived > 0;
        } finally {
            lock.unlock();
        }
        // Messages sent before the first connection belong to whatever session it brings.
        if (previous != null && hasHistory && (!granted.resumed() || !previous.equals(granted.sessionId()))) {
            fail(new ProtocolException(ErrorCode.CHANNEL_LOST, "channel '" + name + "': the session was not resumed ("
                    + (granted.reason() == null ? "another session" : granted.reason().wireName())
                    + "), so its messages cannot be replayed"), true);
            return false;
        }
        return true;
    }

    private void loadPosition(String id) {
        try {
            long saved = positions.loadPosition(id, name).orElse(0);
            lock.lock();
            try {
                if (lastReceived == 0 && saved > 0) {
                    lastReceived = saved;
                    taken = saved;
                }
            } finally {
                lock.unlock();
            }
        } catch (IOException e) {
            log.warn("channel {}: could not read its saved position: {}", name, e.getMessage());
        }
    }

    private void runOnce(ClientConnection link) throws Exception {
        long have;
        lock.lock();
        try {
            have = lastReceived;
        } finally {
            lock.unlock();
        }
        ClientConnection.Opened opened = link.openChannel(name, have, Duration.ofSeconds(30));
        long serverHas = opened.delivered();
        lock.lock();
        try {
            if (!sent.resumeAt(serverHas)) {
                opened.stream().reset(ErrorCode.CHANNEL_LOST);
                throw new ProtocolException(ErrorCode.CHANNEL_LOST, "channel '" + name + "': the server says it has "
                        + serverHas + " of this client's messages; this client " + sent.describe());
            }
            changed.signalAll(); // room, if the server had more than it acknowledged
        } finally {
            lock.unlock();
        }
        Box box = new Box();
        // Delivered by the reading thread: the receive queue only waits for the application.
        ChannelPump p = new ChannelPump(opened.stream(), box, box, serverHas, have, null);
        pump = p;
        try {
            p.run();
        } finally {
            opened.stream().close();
        }
    }

    private boolean pauseBeforeReopen() {
        lock.lock();
        try {
            long left = REOPEN_DELAY.toNanos();
            while (failure == null && left > 0) {
                left = changed.awaitNanos(left);
            }
            return failure == null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    private void fail(IOException cause, boolean logIt) {
        lock.lock();
        try {
            if (failure != null) {
                return;
            }
            failure = cause;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (logIt) {
            log.warn("channel {} failed: {}", name, cause.getMessage());
        }
    }

    /** Caller holds the lock. */
    private void throwIfFailed() throws IOException {
        if (failure != null) {
            if (failure instanceof ProtocolException p) {
                throw new ProtocolException(p.code(), p.getMessage());
            }
            throw new IOException(failure.getMessage(), failure);
        }
    }

    /** The pump's view: the replay buffer as its outbox, the receive queue as its inbox. */
    private final class Box implements ChannelPump.Outbox, ChannelPump.Inbox {
        @Override
        public List<ChannelMessage> after(long sequence, int max) {
            lock.lock();
            try {
                return sent.after(sequence, max);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void acknowledged(long sequence) {
            lock.lock();
            try {
                if (sent.acknowledge(sequence)) {
                    changed.signalAll(); // room for a waiting send
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void deliver(ChannelMessage message) throws InterruptedException {
            lock.lock();
            try {
                while (received.size() >= RECEIVE_QUEUE && failure == null) {
                    changed.await(); // the application is behind: hold the stream (flow control)
                }
                if (message.sequence() != lastReceived + 1) {
                    return; // not the next one: the pump that had it lost its stream meanwhile
                }
                received.addLast(message);
                lastReceived = message.sequence();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public long acknowledgeable() {
            return taken;
        }

        @Override
        public long prepareAck() throws IOException {
            long t = taken;
            String id = sessionId;
            if (id != null) {
                positions.savePosition(id, name, t);
            }
            return t;
        }
    }

    /** For tests and diagnostics: sent, acknowledged, received and taken. */
    @Override
    public String toString() {
        lock.lock();
        try {
            return "ClientChannel[" + name + ": " + sent.describe() + ", received "
                    + lastReceived + ", taken " + taken + ", waiting " + received.size()
                    + (failure == null ? "" : ", failed: " + failure.getMessage()) + "]";
        } finally {
            lock.unlock();
        }
    }
}

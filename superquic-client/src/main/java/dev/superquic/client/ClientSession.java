package dev.superquic.client;

import dev.superquic.client.internal.ClientConnection;
import dev.superquic.client.internal.ClientConnection.ConnectionLost;
import dev.superquic.client.internal.SessionThreads;
import dev.superquic.protocol.ControlMessage;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.SessionGranted;
import dev.superquic.protocol.Protocol;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.stream.DuplexStream;
import dev.superquic.transport.ConnectionStats;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logical session with a superquic server that outlives connections. When the connection drops
 * it reconnects by itself (per the {@link ReconnectPolicy}), resumes the session with its token
 * and tells {@link SessionListener}s whether the old session came back. Streams open at the time
 * of a drop fail with an {@link IOException}; new ones go over the new connection.
 *
 * <p>Thread-safe; {@link #openStream} blocks and suits virtual threads.
 */
public final class ClientSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /** How long {@link #close()} waits for the server to close after the control stream's FIN. */
    private static final Duration GRACEFUL_CLOSE_WAIT = Duration.ofSeconds(1);
    /** How long closing waits for the session's own threads to end once interrupted. */
    private static final Duration THREADS_STOP_WAIT = Duration.ofSeconds(2);

    private final SuperQuicClient client;
    private final ClientConfig config;
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final SessionThreads threads = new SessionThreads();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition linkChanged = lock.newCondition();
    private ClientConnection link;
    private Throwable closedCause;
    private boolean closed;
    private volatile SessionEvent lastEvent;
    private volatile String token;
    private final java.util.Map<String, ClientChannel> channels = new java.util.concurrent.ConcurrentHashMap<>();
    /** Index in {@link ClientConfig#servers()} of the server of the current or next connection. */
    private volatile int current;

    ClientSession(SuperQuicClient client, ClientConfig config) {
        this.client = client;
        this.config = config;
    }

    /** Connects for the first time: resumes the stored token's session if there is one. */
    void start(List<SessionListener> initialListeners) throws IOException {
        listeners.addAll(initialListeners);
        token = config.resume().tokenStore().load().orElse(null);
        ClientConnection first = establish(false);
        install(first);
    }

    /** The current session id. */
    public String id() {
        SessionEvent e = lastEvent;
        return e == null ? null : e.sessionId();
    }

    /** The outcome of the latest connect or reconnect. */
    public SessionEvent lastEvent() {
        return lastEvent;
    }

    /** Whether a connection is up right now. */
    public boolean isConnected() {
        lock.lock();
        try {
            return link != null && link.isOpen();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The current connection's QUIC statistics (round-trip time, packet size, packet counts and
     * losses), or empty while there is no connection. Waits at most a second for the connection's
     * event loop.
     */
    public Optional<ConnectionStats> connectionStats() {
        ClientConnection l;
        lock.lock();
        try {
            l = link;
        } finally {
            lock.unlock();
        }
        if (l == null || !l.isOpen()) {
            return Optional.empty();
        }
        try {
            return Optional.of(l.stats().get(1, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty(); // closed or closing meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Whether the session ended for good, and why. */
    public Optional<Throwable> closedCause() {
        lock.lock();
        try {
            return closed ? Optional.ofNullable(closedCause) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Adds a listener. */
    public void addListener(SessionListener listener) {
        listeners.add(listener);
    }

    /**
     * Opens a stream to a service. Waits (within the stream open timeout) for a connection while
     * reconnecting, and for stream credit at the server's stream limit.
     *
     * @throws ProtocolException with UNKNOWN_SERVICE (or another code) when the server refuses
     * @throws IOException when no connection or credit came in time, or the session is closed
     */
    public DuplexStream openStream(String service) throws IOException {
        long deadline = System.nanoTime() + config.streamOpenTimeout().toNanos();
        ClientConnection l = awaitLink(deadline);
        return l.openService(service, java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }

    /**
     * The session's channel {@code name} (protocol version 2): the same object for every call with
     * this name. It carries on across reconnects; see {@link ClientChannel}.
     *
     * @throws IllegalArgumentException if the name is not 1 to 64 letters, digits, '.', '_' or '-'
     */
    public ClientChannel channel(String name) {
        if (!Messages.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid channel name '" + name + "'");
        }
        boolean[] created = new boolean[1];
        ClientChannel channel = channels.computeIfAbsent(name, n -> {
            created[0] = true;
            return new ClientChannel(this, n, config.channels(), config.resume().tokenStore());
        });
        if (created[0]) {
            ClientConnection l;
            lock.lock();
            try {
                l = closed ? null : link;
                if (closed) {
                    channel.sessionClosed(closedCause);
                }
            } finally {
                lock.unlock();
            }
            if (l != null) {
                SessionGranted g = l.granted();
                threads.start("superquic-channel-" + name, () -> channel.runOn(l, g));
            }
        }
        return channel;
    }

    /** Starts a thread the session owns (stopped when it closes); false if it is closed. */
    boolean startThread(String name, Runnable task) {
        return threads.start(name, task);
    }

    /**
     * {@link #openStream} on a new virtual thread, for callers that compose futures. The future
     * fails with the same exceptions.
     */
    public CompletableFuture<DuplexStream> openStreamAsync(String service) {
        CompletableFuture<DuplexStream> future = new CompletableFuture<>();
        boolean started = threads.start("superquic-open-" + service, () -> {
            try {
                future.complete(openStream(service));
            } catch (IOException | RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        if (!started) {
            future.completeExceptionally(new IOException("session is closed"));
        }
        return future;
    }

    /**
     * Sends a ping on the control stream. The client already pings by itself while the connection
     * is quiet ({@link ClientConfig#keepAlive()}); this is for pings on the application's schedule.
     */
    public void ping() throws IOException {
        // Queued behind what the control stream carries, from this thread, which does not own it.
        if (!awaitLink(System.nanoTime() + config.streamOpenTimeout().toNanos()).control()
                .offerControlFrame(Messages.encode(new Messages.Ping()))) {
            throw new IOException("the control stream is closed");
        }
    }

    private ClientConnection awaitLink(long deadline) throws IOException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IOException("session is closed" + (closedCause == null ? "" : ": " + closedCause.getMessage()),
                            closedCause);
                }
                if (link != null && link.isUsable()) {
                    return link;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new java.net.SocketTimeoutException("no connection to " + config.servers()
                            + " within the stream open timeout");
                }
                linkChanged.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a connection", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the connection and ends the session on this side (the server keeps it for its TTL).
     * The orderly way: the control stream is finished and the server closes the connection,
     * so the close is not lost behind data still in flight; blocks up to about a second for it
     * (more only if the server does not answer at all).
     */
    @Override
    public void close() {
        ClientConnection l;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            l = link;
            link = null;
            linkChanged.signalAll();
        } finally {
            lock.unlock();
        }
        channels.values().forEach(ClientChannel::savePosition);
        if (l != null) {
            l.closeGracefully(GRACEFUL_CLOSE_WAIT);
            l.closed().orTimeout(2, TimeUnit.SECONDS).exceptionally(t -> null).join();
        }
        client.sessionClosed(this);
        channels.values().forEach(c -> c.sessionClosed(null));
        fire(listener -> listener.onClosed(null));
        stopThreads();
    }

    /** Stops the session's own threads; one still running after the wait is a bug worth a line. */
    private void stopThreads() {
        int left = threads.close(THREADS_STOP_WAIT);
        if (left > 0) {
            log.warn("session {}: {} of its threads still running {} after the close", id(), left, THREADS_STOP_WAIT);
        }
    }

    /**
     * Connects and carries out the hello, at the current server address and then, when that
     * fails, at each other one in turn (nodes that share the session store).
     */
    private ClientConnection establish(boolean reconnect) throws IOException {
        List<java.net.InetSocketAddress> servers = config.servers();
        IOException last = null;
        for (int i = 0; i < servers.size(); i++) {
            int index = (current + i) % servers.size();
            try {
                ClientConnection l = establishAt(index, reconnect);
                current = index;
                return l;
            } catch (IOException e) {
                last = e;
                if (servers.size() > 1) {
                    log.info("session: {} failed ({}); trying the next server", servers.get(index), e.getMessage());
                }
            }
        }
        throw last;
    }

    private ClientConnection establishAt(int index, boolean reconnect) throws IOException {
        String t = token;
        Hello hello = t == null ? Hello.newSession() : Hello.resume(t);
        ClientConnection l = ClientConnection.open(config.startingAt(index), client.group(), client.transport(), client.sslContext(), hello);
        SessionGranted g = l.granted();
        token = g.token();
        try {
            config.resume().tokenStore().save(g.token());
        } catch (IOException e) {
            log.warn("could not save the session token: {}", e.getMessage());
        }
        SessionEvent event = new SessionEvent(g.sessionId(), g.resumed(), g.reason(), reconnect);
        lastEvent = event;
        return l;
    }

    private void install(ClientConnection l) {
        lock.lock();
        try {
            if (closed) {
                l.close(ErrorCode.NO_ERROR, "client closed");
                return;
            }
            link = l;
            linkChanged.signalAll();
        } finally {
            lock.unlock();
        }
        SessionEvent event = lastEvent;
        fire(listener -> listener.onConnected(event));
        SessionGranted granted = l.granted();
        channels.values().forEach(c -> threads.start("superquic-channel-" + c.name(), () -> c.runOn(l, granted)));
        threads.start("superquic-control-reader", () -> readControl(l));
        // Completed on the event loop; listeners and reconnect logic run on a virtual thread.
        l.closed().thenAcceptAsync(lost -> onLinkLost(l, lost), threads.executor("superquic-link-lost"));
    }

    /** Reads the control stream (pongs, going-away notices) until it ends. */
    private void readControl(ClientConnection l) {
        try {
            for (byte[] frame; (frame = l.control().readFrame()) != null;) {
                ControlMessage message;
                try {
                    message = Messages.decodeControl(frame);
                } catch (ProtocolException e) {
                    // A newer server's message, or a malformed one: nothing this client acts on.
                    log.warn("session {}: ignoring a control message: {}", id(), e.getMessage());
                    continue;
                }
                switch (message) {
                    case Messages.StreamEnd end -> {
                        // The server's FIN on this stream left alone and may be lost for good.
                        if (end.stream() % 4 == 0 && end.stream() != Protocol.CONTROL_STREAM_ID) {
                            l.control().streamEnds().peerAnnounced(end.stream(), end.size());
                        }
                    }
                    case Messages.GoAway goAway -> {
                        // Streams already open may finish; new ones wait for the next connection.
                        l.markGoingAway();
                        java.time.Duration grace = java.time.Duration.ofMillis(goAway.graceMillis());
                        log.info("session {}: server is going away within {} ms", id(), grace.toMillis());
                        fire(listener -> listener.onGoingAway(grace));
                    }
                    default -> log.debug("session {}: control message {}", id(), message); // pongs
                }
            }
        } catch (IOException ignored) {
            // The connection's close event drives reconnection.
        }
    }

    private void onLinkLost(ClientConnection l, ConnectionLost lost) {
        lock.lock();
        try {
            if (closed || link != l) {
                return;
            }
            link = null;
        } finally {
            lock.unlock();
        }
        IOException cause = lost.code() != null ? new ProtocolException(lost.code(), lost.message())
                : new IOException(lost.message());
        log.info("session {}: {}", id(), lost.message());
        fire(listener -> listener.onDisconnected(cause));
        if (lost.code() == ErrorCode.GOING_AWAY) {
            current = (current + 1) % config.servers().size(); // that node is leaving: resume on the next
        }
        if (lost.code() == ErrorCode.SESSION_TAKEN_OVER) {
            finish(cause);
        } else if (!config.resume().reconnect().enabled()) {
            finish(cause);
        } else {
            threads.start("superquic-reconnect", this::reconnectLoop);
        }
    }

    private void reconnectLoop() {
        ReconnectPolicy policy = config.resume().reconnect();
        for (int attempt = 1; policy.maxAttempts() == 0 || attempt <= policy.maxAttempts(); attempt++) {
            if (!sleepBeforeAttempt(policy, attempt)) {
                return;
            }
            try {
                ClientConnection l = establish(true);
                SessionEvent e = lastEvent;
                log.info("reconnected: session {} {}", e.sessionId(),
                        e.resumed() ? "resumed" : "is new (" + e.reason().wireName() + ")");
                install(l);
                return;
            } catch (IOException e) {
                int n = attempt;
                log.debug("reconnect attempt {} failed: {}", n, e.toString());
                fire(listener -> listener.onReconnectFailed(n, e));
            }
        }
        finish(new IOException("gave up reconnecting to " + config.servers() + " after "
                + policy.maxAttempts() + " attempts"));
    }

    /** Waits for the back-off delay unless the session is closed meanwhile; returns false if closed. */
    private boolean sleepBeforeAttempt(ReconnectPolicy policy, int attempt) {
        long remaining = policy.delay(attempt).toNanos();
        lock.lock();
        try {
            while (!closed && remaining > 0) {
                remaining = linkChanged.awaitNanos(remaining);
            }
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void finish(Throwable cause) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closedCause = cause;
            linkChanged.signalAll();
        } finally {
            lock.unlock();
        }
        client.sessionClosed(this);
        channels.values().forEach(c -> c.sessionClosed(cause));
        fire(listener -> listener.onClosed(cause));
        stopThreads();
    }

    private void fire(java.util.function.Consumer<SessionListener> call) {
        for (SessionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("session listener failed", e);
            }
        }
    }
}

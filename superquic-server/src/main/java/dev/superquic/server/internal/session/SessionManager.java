package dev.superquic.server.internal.session;

import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.NotResumedReason;
import dev.superquic.protocol.Messages.SessionGranted;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.Session;
import dev.superquic.server.internal.connection.ConnectionState.SessionBinding;
import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.runtime.Mdc;
import dev.superquic.server.internal.runtime.ServerMetrics;
import dev.superquic.server.session.ResumeTokens;
import dev.superquic.server.session.SessionStore.AttachResult;
import dev.superquic.server.session.SessionStore.NewSession;
import dev.superquic.server.session.SessionStore;
import dev.superquic.server.session.SessionStoreException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds sessions to connections: new, resume, takeover, detach. Runs on virtual threads only
 * (the store may block).
 */
public final class SessionManager {
    private static final Logger log = LoggerFactory.getLogger(SessionManager.class);
    private final SessionStore store;
    private final ServerMetrics metrics;
    private final String nodeId;
    private final Function<String, ConnectionState> localConnections;

    /** The stateless reset token, told to clients in the session answer. */
    private final String resetToken;
    /** Sessions held at most (attached and detached); a hello that needs another is refused. */
    private final int maxSessions;
    private final HelloRateLimit helloRate;

    public SessionManager(SessionStore store, ServerMetrics metrics, String nodeId,
                   Function<String, ConnectionState> localConnections, String resetToken, int maxSessions,
                   HelloRateLimit helloRate) {
        this.resetToken = resetToken;
        this.maxSessions = maxSessions;
        this.helloRate = helloRate;
        this.store = store;
        this.metrics = metrics;
        this.nodeId = nodeId;
        this.localConnections = localConnections;
        store.onExpired(id -> {
            metrics.sessionExpired();
            log.info("session {} expired; its state was freed", id);
        });
        // Another node took a session of ours over: close our connection now, not at its next write.
        store.onTakenOver(previousOwner -> {
            String prefix = nodeId + "/";
            ConnectionState old = previousOwner.startsWith(prefix)
                    ? localConnections.apply(previousOwner.substring(prefix.length())) : null;
            if (old != null) {
                old.close(ErrorCode.SESSION_TAKEN_OVER, "session resumed by another connection");
            }
        });
    }

    /**
     * Carries out the client's hello and binds the session to {@code conn}.
     *
     * @param version the protocol version chosen from the hello's
     * @throws ProtocolException LIMIT_EXCEEDED if the client's address sends hellos faster than
     *     allowed, or the server holds its limit of sessions and the hello needs a new one
     */
    public SessionGranted establish(ConnectionState conn, Hello hello, int version) throws ProtocolException {
        if (conn.channel().remoteSocketAddress() instanceof java.net.InetSocketAddress peer
                && !helloRate.tryAcquire(peer.getAddress())) {
            metrics.sessionRefused("rate");
            throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "too many session requests from this address");
        }
        NotResumedReason reason = null;
        if (hello.resume()) {
            AttachResult r = forHello("attach", () -> store.attach(hello.token(), conn.owner()));
            switch (r.status()) {
                case ATTACHED -> {
                    bind(conn, new SessionBinding(r.sessionId(), r.generation(), version));
                    metrics.sessionResumed();
                    if (r.previousOwner() != null) {
                        takeOver(r.sessionId(), r.previousOwner());
                    }
                    log.info("session {} resumed", r.sessionId());
                    return granted(version, r.sessionId(), hello.token(), true, null);
                }
                case EXPIRED -> reason = NotResumedReason.EXPIRED;
                case UNKNOWN -> reason = NotResumedReason.UNKNOWN;
            }
        }
        long sessions;
        try {
            sessions = store.sessionCount();
        } catch (SessionStoreException e) {
            log.warn("hello refused: the session store failed ({})", e.getMessage());
            throw new ProtocolException(ErrorCode.STORE_UNAVAILABLE, "the session store is unavailable; try again");
        }
        if (sessions >= maxSessions) {
            metrics.sessionRefused("total");
            throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "the server holds its limit of " + maxSessions
                    + " sessions");
        }
        NewSession s = forHello("create", () -> store.create(conn.owner()));
        bind(conn, new SessionBinding(s.sessionId(), s.generation(), version));
        metrics.sessionCreated();
        if (reason == null) {
            log.info("session {} created", s.sessionId());
        } else {
            log.info("session {} created: resume of token {} failed ({})", s.sessionId(),
                    ResumeTokens.redact(hello.token()), reason.wireName());
        }
        return granted(version, s.sessionId(), s.token(), false, reason);
    }

    private void bind(ConnectionState conn, SessionBinding binding) {
        conn.session().complete(binding);
        Mdc.session(binding.sessionId());
    }

    private SessionGranted granted(int version, String id, String token, boolean resumed, NotResumedReason reason) {
        return new SessionGranted(version, id, token, resumed, reason, store.ttl().toSeconds(), true,
                resetToken);
    }

    private void takeOver(String sessionId, String previousOwner) {
        metrics.sessionTakenOver();
        String prefix = nodeId + "/";
        ConnectionState old = previousOwner.startsWith(prefix)
                ? localConnections.apply(previousOwner.substring(prefix.length())) : null;
        log.info("session {} taken over from {}", sessionId, previousOwner);
        if (old != null) {
            old.close(ErrorCode.SESSION_TAKEN_OVER, "session resumed by another connection");
        }
    }

    /** The connection ended: detach its session so the TTL starts. */
    public void detach(ConnectionState conn) {
        SessionBinding b = conn.bindingOrNull();
        if (b == null) {
            return;
        }
        try {
            if (timed("detach", () -> store.detach(b.sessionId(), b.generation()))) {
                log.info("session {} detached; resumable for {}s", b.sessionId(), store.ttl().toSeconds());
            }
        } catch (SessionStoreException e) {
            // The session stays attached in the store until a resume takes it over.
            log.warn("session {} could not be detached: {}", b.sessionId(), e.getMessage());
        }
    }

    /** The {@link Session} view services get: writes carry the binding's generation, so they are fenced. */
    public Session view(SessionBinding binding) {
        String sessionId = binding.sessionId();
        return new Session() {
            @Override
            public String id() {
                return sessionId;
            }

            @Override
            public Optional<String> get(String key) {
                return timed("get", () -> store.get(sessionId, key));
            }

            @Override
            public void put(String key, String value) {
                timed("put", () -> {
                    store.put(sessionId, binding.generation(), key, value);
                    return null;
                });
            }

            @Override
            public boolean delete(String key) {
                return timed("delete", () -> store.delete(sessionId, binding.generation(), key));
            }

            @Override
            public Map<String, String> entries() {
                return timed("entries", () -> store.entries(sessionId));
            }
        };
    }

    /** A store call of the hello: a store failure refuses the hello with STORE_UNAVAILABLE. */
    private <T> T forHello(String op, java.util.function.Supplier<T> call) throws ProtocolException {
        try {
            return timed(op, call);
        } catch (SessionStoreException e) {
            log.warn("hello refused: the session store failed ({})", e.getMessage());
            throw new ProtocolException(ErrorCode.STORE_UNAVAILABLE, "the session store is unavailable; try again");
        }
    }

    /** A store call, timed; a store failure is counted and thrown on. */
    public <T> T timed(String op, java.util.function.Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = false;
        try {
            return call.get();
        } catch (SessionStoreException e) {
            failed = true;
            throw e;
        } finally {
            metrics.storeCall(op, System.nanoTime() - start, failed);
        }
    }
}

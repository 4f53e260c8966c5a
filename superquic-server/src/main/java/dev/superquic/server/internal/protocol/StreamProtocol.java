package dev.superquic.server.internal.protocol;

import dev.superquic.protocol.ControlMessage;
import dev.superquic.protocol.ErrorCode;
import dev.superquic.protocol.Messages.ErrorMessage;
import dev.superquic.protocol.Messages.Hello;
import dev.superquic.protocol.Messages.SessionGranted;
import dev.superquic.protocol.Messages.StreamHeader;
import dev.superquic.protocol.Messages;
import dev.superquic.protocol.Protocol;
import dev.superquic.protocol.ProtocolException;
import dev.superquic.server.Session;
import dev.superquic.server.StreamService;
import dev.superquic.server.internal.connection.ConnectionState.SessionBinding;
import dev.superquic.server.internal.connection.ConnectionState;
import dev.superquic.server.internal.connection.StreamState;
import dev.superquic.server.internal.runtime.ServerMetrics;
import dev.superquic.server.internal.session.SessionManager;
import dev.superquic.server.session.SessionFencedException;
import dev.superquic.server.session.SessionGoneException;
import dev.superquic.server.session.SessionStoreException;
import dev.superquic.stream.internal.ChannelStream;
import dev.superquic.stream.internal.OutboundGate;
import dev.superquic.stream.internal.ReadTimeoutException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol layer: what runs on a stream's virtual thread. The control stream does the
 * hello exchange and then serves pings; every other stream reads its header, waits for the
 * session, and hands the stream to its service.
 */
public final class StreamProtocol {
    private static final Logger log = LoggerFactory.getLogger(StreamProtocol.class);

    private final SessionManager sessions;
    private final Map<String, StreamService> services;
    private final ServerChannels channels;
    private final ServerMetrics metrics;

    public StreamProtocol(SessionManager sessions, Map<String, StreamService> services, ServerChannels channels,
                   ServerMetrics metrics) {
        this.sessions = sessions;
        this.services = Map.copyOf(services);
        this.channels = channels;
        this.metrics = metrics;
    }

    /** Runs the control stream until it or the connection ends. */
    public void serveControl(StreamState state) {
        ConnectionState conn = state.connection();
        ChannelStream stream = state.stream();
        // The stream is closed in finally, not by try-with-resources: error frames are written in
        // the catch blocks and must go out before the FIN.
        try {
            byte[] first = stream.readFrame(Protocol.MAX_CONTROL_FRAME);
            if (first == null) {
                throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "control stream ended before the hello");
            }
            Hello hello = Messages.decodeHello(first);
            log.debug("hello: {} versions {}", hello.resume() ? "resume" : "new", hello.versions());
            int version = Protocol.negotiate(hello.versions()).orElseThrow(() -> new ProtocolException(
                    ErrorCode.UNSUPPORTED_VERSION,
                    "server speaks versions " + Protocol.SUPPORTED_VERSIONS + ", client offered " + hello.versions()));
            SessionGranted granted = sessions.establish(conn, hello, version);
            stream.writeFrame(Messages.encode(granted));
            // After the answer: lone FINs of this connection's streams are announced from now on.
            stream.streamEnds().announceOn(stream);
            while (true) {
                byte[] frame = stream.readFrame(Protocol.MAX_CONTROL_FRAME);
                if (frame == null) {
                    log.info("client finished the control stream; closing the connection");
                    conn.close(ErrorCode.NO_ERROR, "control stream finished");
                    return;
                }
                ControlMessage message = Messages.decodeControl(frame);
                log.debug("control frame: {} ({} bytes)", message, frame.length);
                switch (message) {
                    case Messages.Ping ping -> stream.writeFrame(Messages.encode(new Messages.Pong()));
                    case Messages.StreamEnd end -> peerEndedStream(stream, end);
                    default -> throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                            "unexpected control message from a client: " + message);
                }
            }
        } catch (ProtocolException e) {
            failConnection(conn, stream, e);
        } catch (IOException e) {
            log.debug("control stream ended: {}", e.toString());
        } catch (RuntimeException e) {
            log.error("control stream failed", e);
            conn.close(ErrorCode.INTERNAL_ERROR, "internal error");
        } finally {
            stream.close();
        }
    }

    /** The client announced the final size of one of its streams (see {@code StreamEnds}). */
    private static void peerEndedStream(ChannelStream control, Messages.StreamEnd end) throws ProtocolException {
        if (end.stream() % 4 != 0 || end.stream() == Protocol.CONTROL_STREAM_ID) {
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                    "'end' names stream " + end.stream() + ", not a service stream the client opened");
        }
        control.streamEnds().peerAnnounced(end.stream(), end.size());
    }

    private void failConnection(ConnectionState conn, ChannelStream stream, ProtocolException e) {
        metrics.frameRejected(e.code());
        log.warn("closing connection: {} ({})", e.getMessage(), e.code());
        sendError(stream, e.code(), e.getMessage());
        // Streams held for the session answer SESSION_REQUIRED now, so that their error frames
        // leave before the close below (a no-op once a session was bound).
        conn.session().completeExceptionally(new IllegalStateException("control exchange failed: " + e.getMessage()));
        try {
            // Give the peer a moment to read the error frames; the close code says the same.
            conn.channel().closeFuture().await(ConnectionState.ERROR_LINGER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        conn.close(e.code(), e.getMessage());
    }

    /** Runs a service stream: header (due by {@code headerDeadline}, nanoTime), session, service. */
    public void serveService(StreamState state, long headerDeadline) {
        ConnectionState conn = state.connection();
        ChannelStream stream = state.stream();
        try {
            byte[] headerFrame = stream.readFrame(Protocol.MAX_CONTROL_FRAME, headerDeadline);
            if (headerFrame == null) {
                log.debug("stream ended before its header");
                return;
            }
            Messages.StreamOpening opening = Messages.decodeOpening(headerFrame);
            SessionBinding binding = awaitSession(conn);
            if (opening instanceof Messages.ChannelOpen open) {
                serveChannel(state, binding, open);
                return;
            }
            StreamHeader header = (StreamHeader) opening;
            log.debug("stream header: service {}", header.service());
            StreamService service = services.get(header.service());
            if (service == null) {
                throw new ProtocolException(ErrorCode.UNKNOWN_SERVICE, "no service named '" + header.service() + "'");
            }
            stream.writeFrame(Messages.streamAccepted());
            state.bindService(header.service(), metrics);
            log.debug("stream bound to service {}", header.service());
            Session session = sessions.view(binding);
            service.serve(new DefaultServiceStream(stream, header.service(), session, conn.id()));
        } catch (ProtocolException e) {
            metrics.frameRejected(e.code());
            metrics.streamError(e.code());
            log.warn("stream refused: {} ({})", e.getMessage(), e.code());
            sendError(stream, e.code(), e.getMessage());
        } catch (OutboundGate.WriteStalledException e) {
            metrics.streamError(ErrorCode.WRITE_TIMEOUT);
            log.warn("stream reset: {} ({})", e.getMessage(), ErrorCode.WRITE_TIMEOUT);
        } catch (ReadTimeoutException e) {
            // A header or a begun frame that came too slowly: a slow peer or a slowloris.
            metrics.streamError(ErrorCode.READ_TIMEOUT);
            log.warn("stream reset: the {} came too slowly ({})", StreamState.PENDING.equals(state.service()) ? "header" : "frame",
                    ErrorCode.READ_TIMEOUT);
            stream.reset(ErrorCode.READ_TIMEOUT);
        } catch (IOException e) {
            log.debug("stream ended: {}", e.toString());
        } catch (SessionStoreException e) {
            metrics.streamError(ErrorCode.STORE_UNAVAILABLE);
            log.warn("service {} failed: the session store failed ({})", state.service(), e.getMessage());
            stream.reset(ErrorCode.STORE_UNAVAILABLE);
        } catch (SessionFencedException e) {
            // Another connection (here or on another node) owns the session now: this one is stale.
            metrics.streamError(ErrorCode.SESSION_TAKEN_OVER);
            log.info("{}; closing this connection", e.getMessage());
            stream.reset(ErrorCode.SESSION_TAKEN_OVER);
            conn.close(ErrorCode.SESSION_TAKEN_OVER, "session resumed by another connection");
        } catch (SessionGoneException e) {
            metrics.streamError(ErrorCode.SESSION_REQUIRED);
            log.warn("stream's session is gone: {}", e.getMessage());
            stream.reset(ErrorCode.SESSION_REQUIRED);
        } catch (Exception e) {
            metrics.streamError(ErrorCode.SERVICE_ERROR);
            log.warn("service {} failed", state.service(), e);
            stream.reset(ErrorCode.SERVICE_ERROR);
        } finally {
            stream.close();
        }
    }

    /** A channel stream (protocol version 2) on its virtual thread. */
    private void serveChannel(StreamState state, SessionBinding binding, Messages.ChannelOpen open) throws Exception {
        if (binding.version() < Protocol.CHANNELS_VERSION) {
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "channels need protocol version "
                    + Protocol.CHANNELS_VERSION + "; this connection speaks " + binding.version());
        }
        log.debug("stream header: channel {}", open.channel());
        state.bindService("channel:" + open.channel(), metrics);
        channels.serve(state.connection(), state.stream(), binding, open);
    }

    private SessionBinding awaitSession(ConnectionState conn) throws ProtocolException {
        try {
            // The hello timeout completes the future exceptionally, so this wait is bounded.
            return conn.session().get();
        } catch (ExecutionException e) {
            throw new ProtocolException(ErrorCode.SESSION_REQUIRED,
                    "stream opened but the connection has no session (control exchange not completed)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ErrorCode.SESSION_REQUIRED, "interrupted while waiting for the session");
        }
    }

    private static void sendError(ChannelStream stream, ErrorCode code, String message) {
        try {
            stream.writeFrame(Messages.encode(new ErrorMessage(code, message)));
            stream.finishOutput();
        } catch (IOException ignored) {
            // The stream is already gone; the reset or close code carries the error.
        }
    }
}

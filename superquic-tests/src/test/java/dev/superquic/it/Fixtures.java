package dev.superquic.it;

import dev.superquic.demo.DemoServices;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.testing.Loopback;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** Shared set-up: servers on 127.0.0.1 with a free port and a fresh self-signed certificate. */
final class Fixtures {
    private Fixtures() {
    }

    /** A server with the demo services. */
    static SuperQuicServer server(ServerConfig config, UnaryOperator<SuperQuicServer.Builder> extra)
            throws Exception {
        return extra.apply(DemoServices.register(SuperQuicServer.builder(config))).start();
    }

    /** A server with the demo services and test defaults. */
    static SuperQuicServer server() throws Exception {
        return server(Loopback.serverConfig().build(), b -> b);
    }

    /**
     * Waits for a result read from {@code stream}; if it does not come in time, cancels it and
     * fails with the stream's state (what it buffered, whether the peer's FIN came, what is in
     * flight), so that a stall says where it is.
     */
    static <T> T getOrDescribe(java.util.concurrent.Future<T> result, dev.superquic.stream.DuplexStream stream,
                               Duration timeout) throws Exception {
        return getOrDescribe(result, stream, null, timeout);
    }

    /** As above; a stall also lists the streams {@code server} (if any) has open, with their states. */
    static <T> T getOrDescribe(java.util.concurrent.Future<T> result, dev.superquic.stream.DuplexStream stream,
                               SuperQuicServer server, Duration timeout) throws Exception {
        try {
            return result.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            String state = stream instanceof dev.superquic.stream.internal.ChannelStream c ? c.describe() : "?";
            String serverSide = server == null ? "" : "; server streams: " + String.join(" | ", server.describeStreams());
            result.cancel(true); // a reader left blocked would hold up the closing of its executor
            throw new AssertionError("no result within " + timeout + "; client " + state + serverSide, e);
        }
    }

    /** How long a test waits for what one stream returns before it fails with the stream's state. */
    static final Duration STREAM_WAIT = Duration.ofSeconds(30);

    /**
     * Reads {@code stream} to its end, for at most {@link #STREAM_WAIT}; a stall fails with the
     * stream's state. Exceptions of the read are thrown as they are.
     */
    static byte[] readAll(dev.superquic.stream.DuplexStream stream) throws java.io.IOException {
        return bounded(stream, null, () -> stream.input().readAllBytes());
    }

    /** As {@link #readAll(dev.superquic.stream.DuplexStream)}; a stall also shows {@code server}'s streams. */
    static byte[] readAll(dev.superquic.stream.DuplexStream stream, SuperQuicServer server) throws java.io.IOException {
        return bounded(stream, server, () -> stream.input().readAllBytes());
    }

    /** Reads one frame of {@code stream} like {@link #readAll}: bounded, a stall says where it is. */
    static byte[] readFrame(dev.superquic.stream.DuplexStream stream) throws java.io.IOException {
        return bounded(stream, null, stream::readFrame);
    }

    private static <T> T bounded(dev.superquic.stream.DuplexStream stream, SuperQuicServer server,
                                 java.util.concurrent.Callable<T> read) throws java.io.IOException {
        try (var reader = dev.superquic.testing.TestThreads.virtual()) {
            return getOrDescribe(reader.submit(read), stream, server, STREAM_WAIT);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.io.IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new java.io.IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the stream");
        } catch (java.io.IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.io.IOException(e);
        }
    }
}

package dev.superquic.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoint on its own TCP port: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health} (liveness: 200 while the process serves) and {@code GET /ready}
 * (readiness: 200 only when the server accepts connections; 503 while starting and draining).
 * Uses the JDK's built-in HTTP server on virtual threads; nothing here touches an event loop.
 *
 * <p>How the CLI serves a server's meters: give the server's builder a
 * {@link PrometheusMeterRegistry} ({@code SuperQuicServer.Builder.meterRegistry}), start the
 * endpoint on it before the server with a readiness that asks the server once it exists
 * ({@code SuperQuicServer.isReady()}), and close the endpoint after the server.
 */
public final class OpsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsEndpoint.class);
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    /** The process's meters, when this endpoint registered them; else null. */
    private final ProcessMetrics processMetrics;

    private OpsEndpoint(HttpServer http, ProcessMetrics processMetrics) {
        this.http = http;
        this.processMetrics = processMetrics;
    }

    /**
     * Binds and starts the endpoint.
     *
     * @param address where to listen (port 0 picks a free one)
     * @param registry the meters to expose
     * @param ready whether the server is ready for traffic right now
     * @param withProcessMeters also register the process's meters ({@link ProcessMetrics}) in
     *     {@code registry}, for as long as the endpoint runs: when the registry is not the
     *     application's own (which binds the meters it wants itself)
     */
    public static OpsEndpoint start(InetSocketAddress address, PrometheusMeterRegistry registry,
                                      BooleanSupplier ready, boolean withProcessMeters) throws IOException {
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (java.net.BindException e) {
            throw new dev.superquic.transport.InvalidSettingException("metrics-port", "tcp "
                    + address.getHostString() + ":" + address.getPort() + " cannot be bound: " + e.getMessage(),
                    address.getPort());
        }
        OpsEndpoint ops = new OpsEndpoint(http, withProcessMeters ? ProcessMetrics.bindTo(registry) : null);
        http.setExecutor(ops.executor);
        http.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        http.createContext("/health", ex -> respond(ex, 200, "text/plain; charset=utf-8", "ok\n"));
        http.createContext("/ready", ex -> {
            boolean ok = ready.getAsBoolean();
            respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ready\n" : "not ready\n");
        });
        http.start();
        log.info("operations endpoint on http://{}:{} (/metrics, /health, /ready)",
                http.getAddress().getHostString(), http.getAddress().getPort());
        return ops;
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            if (!ex.getRequestURI().getPath().equals(ex.getHttpContext().getPath())) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.close();
        if (processMetrics != null) {
            processMetrics.close();
        }
    }
}

package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SessionEvent;
import dev.superquic.client.SessionListener;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.ops.OpsEndpoint;
import dev.superquic.relay.UdpRelay;
import dev.superquic.server.SuperQuicServer;
import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import dev.superquic.testing.TestThreads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics, readiness and graceful shutdown, seen from outside over HTTP and QUIC. */
class OperationsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The endpoint of each server a test asked about, started at the first question. */
    private static final Map<SuperQuicServer, OpsEndpoint> ENDPOINTS = new ConcurrentHashMap<>();
    /** The registries {@link #withOps} made, as the CLI does: the endpoint binds the process's meters in them. */
    private static final Set<MeterRegistry> OURS = ConcurrentHashMap.newKeySet();

    @AfterEach
    void closeEndpoints() {
        ENDPOINTS.values().forEach(OpsEndpoint::close);
        ENDPOINTS.clear();
        OURS.clear();
    }

    private static HttpResponse<String> get(SuperQuicServer server, String path) throws Exception {
        InetSocketAddress ops = ENDPOINTS.computeIfAbsent(server, s -> {
            try {
                return OpsEndpoint.start(new InetSocketAddress("127.0.0.1", 0),
                        (PrometheusMeterRegistry) s.meterRegistry(), s::isReady, OURS.contains(s.meterRegistry()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).address();
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A sample's value from Prometheus text, or 0 when absent. */
    private static double metric(SuperQuicServer server, String sample) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(get(server, "/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** Meters in a Prometheus registry, which {@link #get} serves as the CLI does (superquic-ops). */
    private static SuperQuicServer.Builder withOps(SuperQuicServer.Builder b) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        OURS.add(registry);
        return b.meterRegistry(registry);
    }

    @Test
    void metricsFollowConnectionsStreamsAndBackpressure() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var config = Loopback.serverConfig().streamBufferBytes(16 * 1024).maxStreamData(64 * 1024).build();
        try (SuperQuicServer server = Fixtures.server(config, b -> withOps(b).service("stuck", s -> {
                release.await(30, TimeUnit.SECONDS);
                s.input().transferTo(java.io.OutputStream.nullOutputStream());
            }));
             TestThreads pool = TestThreads.virtual()) {
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);
            assertThat(metric(server, "superquic_connections_active")).isZero();
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
                 ClientSession session = client.connect();
                 DuplexStream stuck = session.openStream("stuck")) {
                assertThat(metric(server, "superquic_connections_active")).isEqualTo(1);
                assertThat(metric(server, "superquic_streams_active{service=\"stuck\"}")).isEqualTo(1);
                assertThat(metric(server, "superquic_streams_active{service=\"_control\"}")).isEqualTo(1);
                assertThat(metric(server, "superquic_sessions{state=\"attached\"}")).isEqualTo(1);
                assertThat(metric(server, "superquic_sessions_events_total{event=\"created\"}")).isEqualTo(1);
                var writer = pool.submit(() -> {
                    stuck.output().write(new byte[1024 * 1024]);
                    stuck.finishOutput();
                    return null;
                });
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric(server, "superquic_backpressure_events_total") >= 1);
                release.countDown();
                writer.get(30, TimeUnit.SECONDS);
                assertThat(Fixtures.readAll(stuck)).isEmpty();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric(server, "superquic_stream_bytes_total{direction=\"in\"}") >= 1024 * 1024);
                assertThat(metric(server, "superquic_backpressure_paused_seconds_count")).isGreaterThanOrEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(server, "superquic_connections_active") == 0
                    && metric(server, "superquic_streams_active{service=\"stuck\"}") == 0
                    && metric(server, "superquic_sessions{state=\"detached\"}") == 1);
            // A refused stream is counted by its code.
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
                 ClientSession session = client.connect()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> session.openStream("nope"));
            }
            assertThat(metric(server, "superquic_stream_errors_total{code=\"UNKNOWN_SERVICE\"}")).isEqualTo(1);

            // Every metric the docs and the dashboard name exists.
            String scrape = get(server, "/metrics").body();
            String docs = java.nio.file.Files.readString(Path.of("../docs/OPERATIONS.md"))
                    + java.nio.file.Files.readString(Path.of("../docs/grafana-dashboard.json"));
            Matcher named = Pattern.compile("superquic_[a-z_]+").matcher(docs);
            java.util.Set<String> names = new java.util.TreeSet<>();
            while (named.find()) {
                names.add(named.group());
            }
            assertThat(names).hasSizeGreaterThan(10);
            // Tagged counters included: they are registered at start and read 0 until something happens.
            assertThat(names).allSatisfy(n -> assertThat(scrape).contains(n));
            // The process's meters, for memory per connection among others.
            assertThat(scrape).contains("jvm_memory_used_bytes{").contains("jvm_threads_live_threads");
            assertThat(metric(server, "superquic_process_resident_memory_bytes")).isPositive();
        }
    }

    @Test
    void connectionStatisticsReachTheMetrics() throws Exception {
        var config = Loopback.serverConfig().statsInterval(Duration.ofMillis(100)).build();
        try (SuperQuicServer server = Fixtures.server(config, OperationsTest::withOps);
             UdpRelay relay = new UdpRelay(server.localAddress())) {
            relay.mode(UdpRelay.Mode.LOSSY);
            relay.dropRate(0.05); // about 40 of the echo's ~800 data packets from the server
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(relay.address(),
                         server.certificateFingerprint()).build());
                 ClientSession session = client.connect();
                 DuplexStream echo = session.openStream("echo");
                 TestThreads pool = TestThreads.virtual()) {
                byte[] data = new byte[1024 * 1024];
                var reader = pool.submit(() -> echo.input().readAllBytes());
                echo.output().write(data);
                echo.finishOutput();
                assertThat(Fixtures.getOrDescribe(reader, echo, Duration.ofSeconds(60))).hasSize(data.length);
                // Sampled while the connection is open: its path.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric(server, "superquic_path_rtt_seconds_count") >= 1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(server, "superquic_connections_active") == 0);
            double rtts = metric(server, "superquic_path_rtt_seconds_count");
            assertThat(metric(server, "superquic_path_rtt_seconds_sum") / rtts).as("mean RTT, s")
                    .isBetween(20e-6, 1.0);
            assertThat(metric(server, "superquic_path_mtu_bytes_max")).isEqualTo(1350);
            assertThat(metric(server, "superquic_path_mtu_bytes_sum") / metric(server, "superquic_path_mtu_bytes_count"))
                    .isBetween(1200.0, 1350.0);
            // Counted up to the close: the echo's megabyte both ways, and what the relay dropped.
            assertThat(metric(server, "superquic_packets_total{direction=\"sent\"}")).isGreaterThan(700);
            assertThat(metric(server, "superquic_packets_total{direction=\"received\"}")).isGreaterThan(700);
            assertThat(metric(server, "superquic_packets_lost_total")).isPositive();
            assertThat(metric(server, "superquic_packets_retransmitted_total")).isPositive();
        }
    }

    @Test
    void aRegistryOfTheApplicationsOwnGetsNoJvmMetersFromTheServer() throws Exception {
        // The server binds only its own meters; the process's are bound by the endpoint when asked
        // (the CLI asks, for the registry it made), never into a registry the application brought.
        var own = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        try (SuperQuicServer server = Fixtures.server(Loopback.serverConfig().build(),
                b -> withOps(b).meterRegistry(own))) {
            String scrape = get(server, "/metrics").body();
            assertThat(scrape).contains("superquic_connections_active").doesNotContain("jvm_memory_used_bytes");
        } finally {
            own.close();
        }
    }

    @Test
    void shutdownDrainsAStreamInFlightAndTheClientResumesAfterwards(@TempDir Path dir) throws Exception {
        Loopback.PemCertificate cert = Loopback.writeCertificate(dir);
        var config = Loopback.serverConfig().certificate(cert.source()).build();
        CompletableFuture<Duration> goingAway = new CompletableFuture<>();
        CompletableFuture<SessionEvent> reconnected = new CompletableFuture<>();
        SessionListener listener = new SessionListener() {
            @Override
            public void onGoingAway(Duration grace) {
                goingAway.complete(grace);
            }

            @Override
            public void onConnected(SessionEvent event) {
                if (event.reconnect()) {
                    reconnected.complete(event);
                }
            }
        };
        try (InMemorySessionStore store = new InMemorySessionStore(Duration.ofMinutes(5));
             TestThreads pool = TestThreads.virtual()) {
            SuperQuicServer server = Fixtures.server(config, b -> withOps(b).sessionStore(store));
            int port = server.localAddress().getPort();
            try (SuperQuicClient client = new SuperQuicClient(Loopback.clientConfig(server).build());
                 ClientSession session = client.connect(listener)) {
                String id = session.id();
                Kv.put(session, "k", "kept");
                DuplexStream inFlight = session.openStream("echo");
                inFlight.output().write("first half ".getBytes());
                assertThat(get(server, "/ready").statusCode()).isEqualTo(200);

                var shutdown = pool.submit(() -> {
                    server.shutdown(Duration.ofSeconds(20));
                    return null;
                });
                assertThat(goingAway.get(10, TimeUnit.SECONDS)).isEqualTo(Duration.ofSeconds(20));
                assertThat(get(server, "/ready").statusCode()).as("not ready while draining").isEqualTo(503);
                assertThat(get(server, "/health").statusCode()).as("still alive while draining").isEqualTo(200);
                assertThat(shutdown.isDone()).isFalse();

                // The stream opened before the drain finishes normally within the grace period.
                inFlight.output().write("second half".getBytes());
                inFlight.finishOutput();
                assertThat(new String(Fixtures.readAll(inFlight))).isEqualTo("first half second half");
                inFlight.close();
                shutdown.get(10, TimeUnit.SECONDS);

                try (SuperQuicServer restarted = Fixtures.server(config.toBuilder().port(port).build(),
                        b -> b.sessionStore(store))) {
                    SessionEvent back = reconnected.get(20, TimeUnit.SECONDS);
                    assertThat(back.resumed()).isTrue();
                    assertThat(back.sessionId()).isEqualTo(id);
                    assertThat(Kv.get(session, "k")).contains("kept");
                }
            }
        }
    }
}

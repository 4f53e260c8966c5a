package dev.superquic.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.demo.DemoServices;
import dev.superquic.server.ServerConfig;
import dev.superquic.server.SuperQuicServer;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real in-process server: outputs, exit codes and session files. */
class CliTest {
    private static SuperQuicServer server;
    private static String address;

    @BeforeAll
    static void start() throws Exception {
        server = DemoServices.register(SuperQuicServer.builder(ServerConfig.builder().host("127.0.0.1").port(0)
                .sessionTtl(Duration.ofMillis(400)).build())).start();
        address = "127.0.0.1:" + server.localAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Result of one CLI run. */
    record Run(int exit, String out, String err) {
    }

    private static final Path RESET_SECRET = tempSecret();

    private static Path tempSecret() {
        try {
            return java.nio.file.Files.createTempDirectory("superquic-cli-test").resolve("reset-secret");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Run cli(String... args) {
        return cli(Map.of(), args);
    }

    static Run cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // A server started here keeps its reset secret and sessions in the test's folder, not the user's home.
        Map<String, String> withSecret = new java.util.HashMap<>(env);
        withSecret.putIfAbsent("SUPERQUIC_RESET_SECRET", RESET_SECRET.toString());
        withSecret.putIfAbsent("SUPERQUIC_DATA_DIR", RESET_SECRET.resolveSibling("data").toString());
        int exit = Main.run(args, withSecret, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aSecondServerOnATakenPortIsRefusedWithExitTwoNamingThePort() {
        // The running server's sockets use SO_REUSEPORT; a second one must not join them.
        int port = server.localAddress().getPort();
        Run second = cli("server", "--host", "127.0.0.1", "--port", Integer.toString(port), "--metrics-port", "-1");
        assertThat(second.exit()).isEqualTo(2);
        assertThat(second.err()).contains("port").contains("127.0.0.1:" + port).contains("already in use");
    }

    @Test
    void everyHelpPrintsWithoutPicocliWarnings() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        try {
            // picocli reports a badly formatted description on System.err, not on the command's writer.
            System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
            for (String command : new String[] {"server", "echo", "kv", "stats", "bench"}) {
                Run help = cli(command, "--help");
                assertThat(help.exit()).as(command).isZero();
                assertThat(help.out()).as(command).contains("Usage:");
            }
        } finally {
            System.setErr(saved);
        }
        assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void echoPrintsTheTextBack() {
        Run r = cli("echo", "--server", address, "--pin", server.certificateFingerprint(), "hello", "world");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hello world" + System.lineSeparator());
    }

    @Test
    void twoRunsWithTheSameSessionFileShareOneSession(@TempDir Path dir) {
        String file = dir.resolve("session").toString();
        Run put = cli("kv", "--server", address, "--insecure", "--session-file", file, "put", "a", "1");
        assertThat(put.exit()).as(put.err()).isZero();
        Run get = cli("kv", "--server", address, "--insecure", "--session-file", file, "get", "a");
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out().strip()).isEqualTo("1");
        assertThat(get.err()).isEmpty();
        Run list = cli("kv", "--server", address, "--insecure", "--session-file", file, "list");
        assertThat(list.out().strip()).isEqualTo("a=1");
    }

    @Test
    void getOfAMissingKeyExitsOne(@TempDir Path dir) {
        Run r = cli("kv", "--server", address, "--insecure", "--session-file", dir.resolve("s").toString(), "get", "nope");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("key 'nope' not found");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anExpiredSessionIsReportedOnStderr(@TempDir Path dir) {
        String file = dir.resolve("session").toString();
        assertThat(cli("kv", "--server", address, "--insecure", "--session-file", file, "put", "k", "v").exit()).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.sessionStore().counts().detached() == 0);
        Run r = cli("kv", "--server", address, "--insecure", "--session-file", file, "get", "k");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("could not be resumed (expired)");
    }

    @Test
    void unreachableServerExitsThreeWithoutAStackTrace() {
        Run r = cli("echo", "--server", "127.0.0.1:9", "--insecure", "--timeout", "300ms", "x");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("no QUIC answer").doesNotContain("\tat ");
    }

    @Test
    void untrustedCertificateExitsThree() {
        Run r = cli("echo", "--server", address, "--pin", "AB".repeat(32), "x");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("TLS handshake").doesNotContain("\tat ");
    }

    @Test
    void echoWithPmtuDiscoveryAndItsRefusedCeilings() {
        Run r = cli("echo", "--server", address, "--pin", server.certificateFingerprint(), "--max-udp-payload", "8952",
                "--discover-pmtu", "hello");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hello" + System.lineSeparator());
        Run tooHigh = cli("echo", "--server", address, "--insecure", "--max-udp-payload", "16384", "--discover-pmtu", "x");
        assertThat(tooHigh.exit()).isEqualTo(2);
        assertThat(tooHigh.err()).contains("--discover-pmtu").contains("between 1201 and 16383");
        Run outOfRange = cli("echo", "--server", address, "--insecure", "--max-udp-payload", "70000", "x");
        assertThat(outOfRange.exit()).isEqualTo(2);
        assertThat(outOfRange.err()).contains("--max-udp-payload must be between 1200 and 65507");
    }

    @Test
    void echoWithEachCongestionControllerAndWindowsAndTheRefusedValues() {
        for (String cc : new String[] {"bbr", "cubic", "RENO"}) {
            Run r = cli("echo", "--server", address, "--pin", server.certificateFingerprint(), "--congestion-control", cc,
                    "--max-data", "4m", "--max-stream-data", "2m", "hello");
            assertThat(r.exit()).as(cc + ": " + r.err()).isZero();
            assertThat(r.out()).isEqualTo("hello" + System.lineSeparator());
        }
        Run unknown = cli("echo", "--server", address, "--insecure", "--congestion-control", "vegas", "x");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--congestion-control").contains("bbr, cubic, reno").contains("vegas");
        Run streamAboveConnection = cli("echo", "--server", address, "--insecure", "--max-data", "1m",
                "--max-stream-data", "2m", "x");
        assertThat(streamAboveConnection.exit()).isEqualTo(2);
        assertThat(streamAboveConnection.err()).contains("--max-stream-data").contains("at most --max-data");
        Run serverUnknown = cli("server", "--port", "0", "--congestion-control", "vegas");
        assertThat(serverUnknown.exit()).isEqualTo(2);
        assertThat(serverUnknown.err()).contains("--congestion-control");
    }

    @Test
    @Timeout(30) // a wrongly accepted setting would start a server that runs until interrupted
    void anUnusableDataDirectoryOrStoreSettingIsRefusedWithExitTwoNamingIt(@TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "not a folder");
        Run notAFolder = cli("server", "--port", "0", "--metrics-port", "-1", "--data-dir", file.toString());
        assertThat(notAFolder.exit()).isEqualTo(2);
        assertThat(notAFolder.err()).contains("data-dir").contains(file.toString());
        Run unknownStore = cli("server", "--port", "0", "--metrics-port", "-1", "--session-store", "cassandra");
        assertThat(unknownStore.exit()).isEqualTo(2);
        assertThat(unknownStore.err()).contains("session-store").contains("sqlite, memory or a redis:// URI");
        Run noRedis = cli("server", "--port", "0", "--metrics-port", "-1", "--session-store",
                "redis://someone:secret@127.0.0.1:1");
        assertThat(noRedis.exit()).isEqualTo(2);
        assertThat(noRedis.err()).contains("session-store").contains("127.0.0.1:1").doesNotContain("secret");
        Run badSync = cli("server", "--port", "0", "--metrics-port", "-1", "--session-sync", "sometimes");
        assertThat(badSync.exit()).isEqualTo(2);
        assertThat(badSync.err()).contains("session-sync");
        try (var held = dev.superquic.server.session.SqliteSessionStore.open(dir.resolve("held"),
                java.time.Duration.ofMinutes(1), 10, 1000, dev.superquic.server.session.SqliteSessionStore.Sync.NORMAL)) {
            Run inUse = cli("server", "--port", "0", "--metrics-port", "-1", "--data-dir", held.directory().toString());
            assertThat(inUse.exit()).isEqualTo(2);
            assertThat(inUse.err()).contains("in use by another server");
        }
    }

    @Test
    void leakDetectionAskedForOnTheCommandLineIsKept() {
        // The suite runs with -Dio.netty.leakDetection.level=PARANOID (ProcessTest covers the default).
        assertThat(System.getProperty("io.netty.leakDetection.level")).isNotNull();
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        Main.disableLeakDetectionUnlessAsked();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(before)
                .isNotEqualTo(ResourceLeakDetector.Level.DISABLED);
    }

    @Test
    void badArgumentsExitTwo() {
        assertThat(cli("echo", "--server", address, "x").exit()).as("no trust option").isEqualTo(2);
        assertThat(cli("echo", "--server", "nohostport", "--insecure", "x").exit()).isEqualTo(2);
        assertThat(cli("kv", "--server", address, "--insecure", "frobnicate").exit()).isEqualTo(2);
        Run badPin = cli("echo", "--server", address, "--pin", "12", "x");
        assertThat(badPin.exit()).isEqualTo(2);
        assertThat(badPin.err()).contains("64 hex digits");
    }

    @Test
    void invalidServerSettingsAreRefusedWithTheSettingsName() {
        Run r = cli("server", "--port", "0", "--max-bidi-streams", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("max-bidi-streams");
        Run fromEnv = cli(Map.of("SUPERQUIC_STREAM_BUFFER", "12"), "server", "--port", "0");
        assertThat(fromEnv.exit()).isEqualTo(2);
        assertThat(fromEnv.err()).contains("stream-buffer");
        Run badDuration = cli("server", "--idle-timeout", "soon");
        assertThat(badDuration.exit()).isEqualTo(2);
        assertThat(badDuration.err()).contains("not a duration");
    }

    @Test
    @Timeout(30) // a wrongly accepted setting would start a server that runs until interrupted
    void discoverPmtuIsReadFromFlagAndEnvironmentAndChecked() {
        Run flag = cli("server", "--port", "0", "--max-udp-payload", "1200", "--discover-pmtu");
        assertThat(flag.exit()).isEqualTo(2);
        assertThat(flag.err()).contains("discover-pmtu").contains("between 1201 and 16383");
        Run env = cli(Map.of("SUPERQUIC_DISCOVER_PMTU", "true"), "server", "--port", "0", "--max-udp-payload", "1200");
        assertThat(env.exit()).isEqualTo(2);
        assertThat(env.err()).contains("discover-pmtu");
    }

    @Test
    void statsSummarisesARunningServer() throws Exception {
        var prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        try (SuperQuicServer withOps = DemoServices.register(SuperQuicServer.builder(ServerConfig.builder()
                        .host("127.0.0.1").port(0).build()).meterRegistry(prometheus)).start();
             dev.superquic.ops.OpsEndpoint ops = dev.superquic.ops.OpsEndpoint.start(
                     new java.net.InetSocketAddress("127.0.0.1", 0), prometheus, withOps::isReady, true)) {
            String quic = "127.0.0.1:" + withOps.localAddress().getPort();
            assertThat(cli("echo", "--server", quic, "--insecure", "x").exit()).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> withOps.sessionStore().counts().detached() == 1);
            Run r = cli("stats", "--metrics", "127.0.0.1:" + ops.address().getPort());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("ready:               yes")
                    .containsPattern("sessions: +0 attached, 1 detached")
                    .containsPattern("session events: +\\(created 1\\)")
                    .containsPattern("bytes: +\\d+ B in")
                    .containsPattern("packets: +[1-9]\\d* sent, [1-9]\\d* received, \\d+ lost \\(\\d+\\.\\d\\d %\\)")
                    .contains("round-trip time:     -").contains("packet size:         -")
                    .containsPattern("session store: +inmemory, node n-[0-9a-f]{8}; errors: none")
                    .containsPattern("store latency: +.*create \\d+\\.\\d\\d ms.*\\(mean\\)");
        }
        Run down = cli("stats", "--metrics", "127.0.0.1:9");
        assertThat(down.exit()).isEqualTo(3);
        assertThat(down.err()).contains("no metrics endpoint");
    }

    @Test
    void configFileValuesApplyBelowEnvironmentAndFlags(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("superquic.properties");
        java.nio.file.Files.writeString(config, "max-bidi-streams=0\n");
        Run fromFile = cli("server", "--config", config.toString(), "--port", "0");
        assertThat(fromFile.exit()).isEqualTo(2);
        assertThat(fromFile.err()).contains("max-bidi-streams").contains("got 0");
        Run envWins = cli(Map.of("SUPERQUIC_MAX_BIDI_STREAMS", "-5"), "server", "--config", config.toString());
        assertThat(envWins.err()).contains("got -5");
        Run flagWins = cli(Map.of("SUPERQUIC_MAX_BIDI_STREAMS", "-5"), "server", "--config", config.toString(),
                "--max-bidi-streams", "-7");
        assertThat(flagWins.err()).contains("got -7");
        Run missing = cli("server", "--config", dir.resolve("absent").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }

    @Test
    @Timeout(30) // a wrongly accepted setting would start a server that runs until interrupted
    void misspeltSettingsAreRefusedNamingThem(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("superquic.properties");
        java.nio.file.Files.writeString(config, "sesion-ttl=1m\n");
        Run fromFile = cli("server", "--config", config.toString(), "--port", "0");
        assertThat(fromFile.exit()).isEqualTo(2);
        assertThat(fromFile.err()).contains("unknown setting 'sesion-ttl'").contains(config.toString());
        Run fromEnv = cli(Map.of("SUPERQUIC_SESION_TTL", "1m"), "server", "--port", "0");
        assertThat(fromEnv.exit()).isEqualTo(2);
        assertThat(fromEnv.err()).contains("SUPERQUIC_SESION_TTL");
        Run launcherOnly = cli(Map.of("SUPERQUIC_JAVA_OPTS", "-Xmx1g"), "server", "--port", "0", "--max-bidi-streams", "0");
        assertThat(launcherOnly.err()).as("the launcher's variable is not a setting").contains("max-bidi-streams");
    }

    @Test
    @Timeout(30)
    void unreadableKeyStoresAndATakenMetricsPortExitTwoNamingTheSetting(@TempDir Path dir) throws Exception {
        Path garbage = java.nio.file.Files.writeString(dir.resolve("garbage.p12"), "not a key store");
        Run bad = cli("server", "--port", "0", "--metrics-port", "-1", "--pkcs12", garbage.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("pkcs12").contains(garbage.toString());

        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        var cert = dev.superquic.server.tls.DevCertificate.generate(Duration.ofDays(1));
        ks.setKeyEntry("server", cert.privateKey(), "right".toCharArray(), new java.security.cert.Certificate[] {cert.certificate()});
        Path store = dir.resolve("server.p12");
        try (var out = java.nio.file.Files.newOutputStream(store)) {
            ks.store(out, "right".toCharArray());
        }
        Run wrong = cli("server", "--port", "0", "--metrics-port", "-1", "--pkcs12", store.toString(),
                "--pkcs12-password", "wrong");
        assertThat(wrong.exit()).isEqualTo(2);
        assertThat(wrong.err()).contains("pkcs12-password");

        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run port = cli("server", "--port", "0", "--metrics-port", Integer.toString(taken.getLocalPort()));
            assertThat(port.exit()).isEqualTo(2);
            assertThat(port.err()).contains("metrics-port").contains("127.0.0.1:" + taken.getLocalPort());
        }
    }
}

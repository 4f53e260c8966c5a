package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.superquic.client.ClientSession;
import dev.superquic.client.SuperQuicClient;
import dev.superquic.stream.DuplexStream;
import dev.superquic.testing.Loopback;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI runs on the module path, its modules resolved through their descriptors: the
 * server starts (SQLite store, QUIC, picocli's reflection) and serves a client. The rest of the
 * suite runs on the class path, where the descriptors are not read at run time.
 */
class ModulePathTest {
    private static final Path CLI_TARGET = Path.of("../superquic-cli/target");

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theServerRunsOnTheModulePath(@TempDir Path dir) throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        modulePath.add(CLI_TARGET.resolve("classes").toAbsolutePath().toString());
        String runtime = Files.readString(CLI_TARGET.resolve("runtime-class-path.txt")).strip();
        for (String entry : runtime.split(File.pathSeparator)) {
            // gRPC (the bench's comparison target) and the Google libraries it brings are read from
            // the class path: grpc-netty-shaded carries tcnative's module descriptor, not its own.
            String path = entry.replace(File.separatorChar, '/');
            boolean grpcFamily = path.contains("/io/grpc/") || path.contains("/com/google/")
                    || path.contains("/io/perfmark/") || path.contains("/org/codehaus/mojo/");
            (grpcFamily ? classPath : modulePath).add(entry);
        }
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java,
                "--enable-native-access=ALL-UNNAMED,io.netty.common,io.netty.codec.classes.quic,"
                        + "io.netty.transport.unix.common,dev.superquic.server,org.xerial.sqlitejdbc",
                // Netty's native jars are modules that nothing requires by name.
                "--add-modules", "io.netty.codec.quic.linux.x86_64,io.netty.transport.epoll.linux.x86_64",
                // Netty 4.2.18's QUIC module uses epoll's classes without reading its module.
                "--add-reads", "io.netty.codec.classes.quic=io.netty.transport.classes.epoll",
                "--add-reads", "dev.superquic.bench=ALL-UNNAMED",
                "--module-path", String.join(File.pathSeparator, modulePath),
                "--class-path", String.join(File.pathSeparator, classPath),
                "--module", "dev.superquic.cli/dev.superquic.cli.Main",
                "server", "--host", "127.0.0.1", "--port", "0", "--metrics-port", "-1", "--log-format", "json",
                "--data-dir", dir.resolve("data").toString()));
        ServerProcess server = ServerProcess.start(command);
        try {
            int port = server.awaitPort();
            String fingerprint = ServerProcess.find(server.lines, "certificate SHA-256 fingerprint ([0-9A-F:]+)");
            assertThat(fingerprint).as("server output: %s", server.lines).isNotNull();
            assertThat(server.lines).as("the CLI's modules").noneMatch(l -> l.contains("IllegalAccess"));
            try (SuperQuicClient client = new SuperQuicClient(
                    Loopback.clientConfig(new InetSocketAddress("127.0.0.1", port), fingerprint).build());
                 ClientSession session = client.connect();
                 DuplexStream echo = session.openStream("echo")) {
                byte[] payload = "on the module path".getBytes(StandardCharsets.UTF_8);
                echo.output().write(payload);
                echo.finishOutput();
                assertThat(Fixtures.readAll(echo)).isEqualTo(payload);
            }
        } finally {
            server.process.destroyForcibly();
            server.process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

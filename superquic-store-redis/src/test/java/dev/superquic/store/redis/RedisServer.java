package dev.superquic.store.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process of the test's own, on a free loopback port, so that the test
 * can kill it and start it again on the same port. Where {@code redis-server} is missing the test
 * is skipped, except under CI ({@code CI=true}), where it fails: .ci/run installs it.
 */
public final class RedisServer implements AutoCloseable {
    private static final long START_MILLIS = 15_000;
    private final int port;
    private final Path dir;
    private final List<String> options;
    private Process process;

    private RedisServer(int port, Path dir, List<String> options) {
        this.port = port;
        this.dir = dir;
        this.options = options;
    }

    /** Starts a server without persistence on a free port, with {@code options} added to its command line. */
    public static RedisServer start(String... options) throws Exception {
        String binary = find();
        if (binary == null) {
            String why = "redis-server is not installed (apt-get install -y redis-server)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why + "; under CI this test must run");
            }
            assumeTrue(false, why);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisServer server = new RedisServer(port, Files.createTempDirectory("superquic-redis"), List.of(options));
        server.startProcess();
        return server;
    }

    private static String find() {
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    private void startProcess() throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(find(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        command.addAll(options);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMillis(START_MILLIS))
                .pollInterval(java.time.Duration.ofMillis(20))
                .until(() -> !process.isAlive() || "+PONG".equals(command("PING")));
        if (!process.isAlive()) {
            throw new IOException("redis-server on port " + port + " did not start: "
                    + Files.readString(dir.resolve("redis.log")));
        }
    }

    /** Sends one inline command and returns the first line of the answer, or null if unreachable. */
    public String command(String command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\r';) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** Sends one inline command and returns the whole answer as text (bulk strings included), or "". */
    public String commandText(String command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] buf = new byte[8192];
            int n = s.getInputStream().read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGKILL, as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts it again on the same port (empty: it keeps nothing on disk). */
    public void restart() throws Exception {
        startProcess();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}

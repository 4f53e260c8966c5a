package dev.superquic.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged server as a process of its own, on 127.0.0.1, its log lines collected. */
final class ServerProcess {
    static final Path JAR = Path.of("../superquic-cli/target/superquic.jar");

    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();

    private ServerProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code java [jvmOptions] -jar superquic.jar server --host 127.0.0.1 --metrics-port -1
     * [args]}, its session store in a new temporary folder unless {@code args} name one (or a
     * config file, which then must): never in the user's home.
     */
    static ServerProcess start(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = cli(List.of(), jvmOptions, "server");
        command.addAll(List.of("--host", "127.0.0.1", "--metrics-port", "-1"));
        command.addAll(List.of(args));
        if (!command.contains("--data-dir") && !command.contains("--config")) {
            command.addAll(List.of("--data-dir", java.nio.file.Files.createTempDirectory("superquic-data").toString()));
        }
        return start(command);
    }

    /**
     * The command line {@code [prefix] java [jvmOptions] -jar superquic.jar subcommand}: the
     * packaged CLI on this test's JVM, run through {@code prefix} ({@code ip netns exec NS}, say).
     */
    static List<String> cli(List<String> prefix, List<String> jvmOptions, String subcommand) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), subcommand));
        return command;
    }

    /** Starts {@code command} (a server), its output collected line by line. */
    static ServerProcess start(List<String> command) throws IOException {
        ServerProcess server = new ServerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    server.lines.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        return server;
    }

    /**
     * The UDP port the server (started with {@code --log-format json}) says it listens on, within
     * a minute; fails with its output if it does not say, or exits first.
     */
    int awaitPort() {
        String port = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> find(lines, "listening on udp /127\\.0\\.0\\.1:(\\d+)"), p -> p != null || !process.isAlive());
        if (port == null) {
            throw new AssertionError("the server exited before it listened: " + lines);
        }
        return Integer.parseInt(port);
    }

    /** The first capture of {@code regex} in a JSON log record's message, or null. */
    static String find(List<String> lines, String regex) throws IOException {
        Pattern p = Pattern.compile(regex);
        for (String line : lines) {
            Matcher m = p.matcher(new ObjectMapper().readTree(line).path("formattedMessage").asText());
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }
}

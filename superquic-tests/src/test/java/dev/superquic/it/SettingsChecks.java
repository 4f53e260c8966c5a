package dev.superquic.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server's settings do what the README says (issue 15, item 7): every setting works
 * from the config file, misspelt keys and unknown {@code SUPERQUIC_*} variables are refused with
 * exit 2 naming them, and so are files that cannot be used. Real processes, so that the exit codes
 * are the ones an operator sees.
 */
abstract class SettingsChecks {
    /** What a process that must stop at start-up printed, and its exit code. */
    private record Exit(int code, String output) { }

    @Test
    void theLogFormatFromTheConfigFileApplies(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("superquic.properties"), "log-format=json\nport=0\n");
        ServerProcess server = ServerProcess.start(List.of("-Xmx128m"), "--config", config.toString(),
                "--data-dir", dir.resolve("data").toString(), "--reset-secret", dir.resolve("secret").toString());
        try {
            server.awaitPort(); // reads the JSON records: there are no others
            assertThat(server.lines).allMatch(l -> l.startsWith("{"));
        } finally {
            server.process.destroy();
            server.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMisspeltKeyOrVariableIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("superquic.properties"), "sesion-ttl=1m\n");
        Exit fromFile = run(Map.of(), dir, "--config", config.toString());
        assertThat(fromFile.code()).as(fromFile.output()).isEqualTo(2);
        assertThat(fromFile.output()).contains("sesion-ttl").contains(config.toString());
        Exit fromEnvironment = run(Map.of("SUPERQUIC_SESION_TTL", "1m"), dir);
        assertThat(fromEnvironment.code()).as(fromEnvironment.output()).isEqualTo(2);
        assertThat(fromEnvironment.output()).contains("SUPERQUIC_SESION_TTL");
    }

    @Test
    void anUnusableKeyStoreIsRefusedNamingTheSetting(@TempDir Path dir) throws Exception {
        Path garbage = Files.writeString(dir.resolve("server.p12"), "not a key store");
        Exit exit = run(Map.of(), dir, "--pkcs12", garbage.toString());
        assertThat(exit.code()).as(exit.output()).isEqualTo(2);
        assertThat(exit.output()).contains("invalid setting pkcs12").contains(garbage.toString()).doesNotContain("\tat ");
    }

    /** Runs the packaged server with {@code args} on port 0, expecting it to stop at start-up. */
    private static Exit run(Map<String, String> environment, Path dir, String... args)
            throws IOException, InterruptedException {
        List<String> command = ServerProcess.cli(List.of(), List.of("-Xmx128m"), "server");
        command.addAll(List.of("--port", "0", "--metrics-port", "-1", "--data-dir", dir.resolve("data").toString(),
                "--reset-secret", dir.resolve("secret").toString()));
        command.addAll(new ArrayList<>(List.of(args)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the server did not stop at start-up: " + output);
        }
        return new Exit(process.exitValue(), output);
    }
}

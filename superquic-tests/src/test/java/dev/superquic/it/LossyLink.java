package dev.superquic.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a lossy link: the lossylink rig of the workspace's shared
 * folder ({@code ../shared/lossylink} beside the project, or {@code $LOSSYLINK}), whose userspace
 * forwarder drops and delays packets of every protocol. Namespaces, addresses and state folder are
 * this suite's own, so a developer's rig keeps running beside it. Needs root; where the rig or
 * root is missing the tests that use it are skipped, except under CI ({@code CI=true}), where they
 * fail: CI has both.
 */
final class LossyLink implements AutoCloseable {
    static final String CLIENT_NAMESPACE = "sqtest-a";
    static final String SERVER_NAMESPACE = "sqtest-b";
    static final String CLIENT_ADDRESS = "10.78.0.1";
    static final String SERVER_ADDRESS = "10.78.0.2";
    private static final long SCRIPT_SECONDS = 60;

    private final Path rig;
    private final Map<String, String> env;

    private LossyLink(Path rig) {
        this.rig = rig;
        this.env = Map.of("LL_NS_A", CLIENT_NAMESPACE, "LL_NS_B", SERVER_NAMESPACE, "LL_IP_A", CLIENT_ADDRESS,
                "LL_IP_B", SERVER_ADDRESS, "LL_STATE", "/run/superquic-test-lossylink");
    }

    /**
     * Brings the link up with {@code settings} ({@code loss=1 delay=5}: percent and milliseconds,
     * each way), after tearing down what an earlier run that died may have left.
     */
    static LossyLink up(String... settings) throws Exception {
        String configured = System.getenv("LOSSYLINK");
        Path rig = (configured != null ? Path.of(configured) : Path.of("../../shared/lossylink")).toAbsolutePath()
                .normalize();
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean root = "root".equals(System.getProperty("user.name"));
        String missing = !Files.isExecutable(rig.resolve("up.sh")) ? "no lossylink rig at " + rig
                + " (set LOSSYLINK)" : !root ? "the lossylink rig needs root" : null;
        if (missing != null) {
            if (ci) {
                fail(missing + "; under CI this test must run");
            }
            assumeTrue(false, missing);
        }
        LossyLink link = new LossyLink(rig);
        link.script("down.sh");
        List<String> up = new ArrayList<>(List.of("up.sh"));
        up.addAll(List.of(settings));
        link.script(up.toArray(String[]::new));
        return link;
    }

    /** {@code command} run in the client's namespace. */
    static List<String> inClientNamespace(List<String> command) {
        return inNamespace(CLIENT_NAMESPACE, command);
    }

    /** The prefix that runs a command in the server's namespace. */
    static List<String> serverNamespacePrefix() {
        return List.of("ip", "netns", "exec", SERVER_NAMESPACE);
    }

    private static List<String> inNamespace(String namespace, List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return full;
    }

    /** The forwarder's counters per direction, as its stats script prints them. */
    String stats() throws Exception {
        return script("stats.sh");
    }

    private String script(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of(rig.resolve(command[0]).toString()));
        full.addAll(List.of(command).subList(1, command.length));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", full) + " did not finish within " + SCRIPT_SECONDS + " s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " exited " + p.exitValue() + ": " + output);
        }
        return output;
    }

    /** Stops the forwarder and deletes the namespaces. */
    @Override
    public void close() throws Exception {
        script("down.sh");
    }
}

package dev.superquic.cli;

import dev.superquic.protocol.ProtocolException;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code ./superquic}. Exit codes: 0 success, 1 the operation failed (key not
 * found, refused by the server), 2 bad arguments or settings, 3 cannot reach or trust the server.
 */
@Command(name = "superquic", mixinStandardHelpOptions = true, version = "superquic 0.1.0",
        description = "Stateful services over raw QUIC: server and clients.",
        subcommands = {ServerCommand.class, EchoCommand.class, KvCommand.class, FeedCommand.class, StatsCommand.class,
            BenchCommand.class})
public final class Main {
    /** Exit code: the operation failed. */
    static final int FAILED = 1;
    /** Exit code: bad arguments or settings. */
    static final int USAGE = 2;
    /** Exit code: server unreachable or not trusted. */
    static final int UNREACHABLE = 3;

    private Main() {
    }

    /** Runs the CLI and exits with its code. */
    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        SettingsDefaults settings;
        try {
            String config = SettingsDefaults.earlyOption(args, env, "--config");
            settings = new SettingsDefaults(env, config == null || config.isBlank() ? null : Path.of(config));
        } catch (IOException e) {
            settings = null; // run() reports it
        }
        configureLogging(args, env, settings);
        // After the logging set-up: Netty logs through SLF4J as its classes load.
        disableLeakDetectionUnlessAsked();
        System.exit(run(args, env));
    }

    /**
     * Netty's default leak detection (SIMPLE) records a stack trace for one buffer in 128, which
     * took ~3 % of each event loop's CPU under bulk transfer (perf, bench throughput). The test
     * suite runs it at PARANOID and fails on any leak, so the server and clients of this process
     * run without it unless {@code -Dio.netty.leakDetection.level} asks for it. Only in
     * {@link #main}: tests call {@link #run}, and embedding applications keep Netty's defaults.
     */
    static void disableLeakDetectionUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** Runs the CLI on the process's streams and returns its exit code. */
    static int run(String[] args, Map<String, String> env) {
        return run(args, env, new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true));
    }

    /** Runs the CLI with the given output streams and returns its exit code (for tests). */
    static int run(String[] args, Map<String, String> env, java.io.PrintWriter out, java.io.PrintWriter err) {
        SettingsDefaults settings;
        Path configFile;
        try {
            String config = SettingsDefaults.earlyOption(args, env, "--config");
            configFile = config == null || config.isBlank() ? null : Path.of(config);
            settings = new SettingsDefaults(env, configFile);
        } catch (IOException e) {
            err.println("superquic: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        configureLogging(args, env, settings);
        CommandLine cli = new CommandLine(Main.class).setOut(out).setErr(err).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setDefaultValueProvider(settings);
        try {
            settings.refuseUnknown(optionNames(cli), configFile);
        } catch (IllegalArgumentException e) {
            err.println("superquic: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("superquic: " + describe(e));
            commandLine.getErr().flush();
            return exitCode(e);
        });
        return cli.execute(args);
    }

    /** Every long option name, without its dashes, of this command and its subcommands. */
    private static java.util.Set<String> optionNames(CommandLine cli) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (var option : cli.getCommandSpec().options()) {
            for (String name : option.names()) {
                if (name.startsWith("--")) {
                    names.add(name.substring(2));
                }
            }
        }
        for (CommandLine sub : cli.getSubcommands().values()) {
            names.addAll(optionNames(sub));
        }
        return names;
    }

    /**
     * Sets the logging properties that the command line decides, only those not set already.
     * Logging reads them once, at its first use: this must run before anything logs.
     */
    private static void configureLogging(String[] args, Map<String, String> env, SettingsDefaults settings) {
        boolean serverCommand = args.length > 0 && args[0].equals("server");
        if (!serverCommand && System.getProperty("superquic.log.level") == null) {
            // Client commands print results; keep library logging out of the way.
            System.setProperty("superquic.log.level", "WARN");
        }
        String format = SettingsDefaults.earlyOption(args, env, "--log-format");
        if (format == null && settings != null) {
            format = settings.fromFile("--log-format");
        }
        if (format != null && System.getProperty("superquic.log.format") == null) {
            String upper = format.toUpperCase(java.util.Locale.ROOT);
            if (upper.equals("TEXT") || upper.equals("JSON")) {
                System.setProperty("superquic.log.format", upper);
            }
        }
    }

    private static String describe(Exception e) {
        if (e instanceof ProtocolException p) {
            return "server refused: " + p.getMessage() + " (" + p.code() + ")";
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return e instanceof dev.superquic.transport.InvalidSettingException || e instanceof IOException
                ? message : "error: " + message;
    }

    private static int exitCode(Exception e) {
        if (e instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (e instanceof ConnectException || e instanceof SSLException || e instanceof SocketTimeoutException) {
            return UNREACHABLE;
        }
        return FAILED;
    }
}

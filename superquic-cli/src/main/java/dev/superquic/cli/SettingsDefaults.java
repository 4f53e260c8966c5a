package dev.superquic.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when it is not on the command line: first the environment
 * ({@code --max-bidi-streams} is {@code SUPERQUIC_MAX_BIDI_STREAMS}), then the config file
 * ({@code max-bidi-streams=...} in Java properties format), then the built-in default.
 */
final class SettingsDefaults implements IDefaultValueProvider {
    private final Map<String, String> env;
    private final Properties file = new Properties();

    SettingsDefaults(Map<String, String> env, Path configFile) throws IOException {
        this.env = env;
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new IOException("config file " + configFile + " does not exist or is not readable");
            }
            try (Reader r = Files.newBufferedReader(configFile)) {
                file.load(r);
            }
        }
    }

    /**
     * Refuses config-file keys and {@code SUPERQUIC_*} environment variables that name no option
     * of any command: a misspelt setting would otherwise be ignored without a word.
     *
     * @param optionNames every long option name (without dashes) some command takes
     * @throws IllegalArgumentException naming the key or the variable (exit 2)
     */
    void refuseUnknown(java.util.Set<String> optionNames, Path configFile) {
        for (String key : file.stringPropertyNames()) {
            if (!optionNames.contains(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' in config file " + configFile);
            }
        }
        for (String variable : env.keySet()) {
            if (variable.startsWith("SUPERQUIC_") && !LAUNCHER_VARIABLES.contains(variable)
                    && optionNames.stream().noneMatch(o -> envName(o).equals(variable))) {
                throw new IllegalArgumentException("unknown setting in the environment: " + variable);
            }
        }
    }

    /** Variables that the launcher script reads, not the CLI. */
    private static final java.util.Set<String> LAUNCHER_VARIABLES = java.util.Set.of("SUPERQUIC_JAVA_OPTS");

    /** An option's value from the config file, or null: for the options needed before picocli runs. */
    String fromFile(String name) {
        String value = file.getProperty(name.substring(2));
        return value == null ? null : value.trim();
    }

    /**
     * An option needed before picocli runs (the config file, the log format): its value from the
     * command line, else from the environment ({@code --log-format} is SUPERQUIC_LOG_FORMAT).
     */
    static String earlyOption(String[] args, Map<String, String> env, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
        }
        String fromEnv = env.get(envName(name.substring(2)));
        return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
    }

    private static String envName(String option) {
        return "SUPERQUIC_" + option.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
            return arg.defaultValue();
        }
        String name = option.longestName().substring(2);
        String value = env.get(envName(name));
        if (value != null && !value.isBlank()) {
            return value;
        }
        value = file.getProperty(name);
        if (value != null) {
            return value.trim();
        }
        return option.defaultValue();
    }
}

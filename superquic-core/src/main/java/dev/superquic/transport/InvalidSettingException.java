package dev.superquic.transport;

/**
 * A setting that cannot work; the message names it as the CLI spells it ({@code max-data}), and
 * the CLI exits 2 with it.
 */
public class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String setting;

    /**
     * Creates the exception.
     *
     * @param setting the setting's name as the CLI spells it
     * @param rule what the value must be
     * @param value the value given
     */
    public InvalidSettingException(String setting, String rule, Object value) {
        super("invalid setting " + setting + ": " + rule + " (got " + value + ")");
        this.setting = setting;
    }

    /** The setting's name as the CLI spells it. */
    public String setting() {
        return setting;
    }

    /**
     * Throws an {@link InvalidSettingException} unless {@code ok}.
     *
     * @param ok whether the value is valid
     * @param setting the setting's name as the CLI spells it
     * @param rule what the value must be
     * @param value the value given
     */
    public static void check(boolean ok, String setting, String rule, Object value) {
        if (!ok) {
            throw new InvalidSettingException(setting, rule, value);
        }
    }
}

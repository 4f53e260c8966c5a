package dev.superquic.server.session;

/**
 * A put would take a session's state past its limits (number of keys, or characters of keys and
 * values together); the state is unchanged. Services answer it with {@code LIMIT_EXCEEDED}.
 */
public class StateLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the limit. */
    public StateLimitException(String message) {
        super(message);
    }

    /** A new key refused: the state already holds {@code maxKeys} keys. */
    public static StateLimitException atKeyLimit(long maxKeys) {
        return new StateLimitException("session state holds its limit of " + maxKeys + " keys");
    }

    /** Changes refused: the state would hold {@code keys} keys, over {@code maxKeys}. */
    public static StateLimitException overKeys(long keys, long maxKeys) {
        return new StateLimitException("session state would hold " + keys + " keys, over its limit of " + maxKeys
                + " keys");
    }

    /** Changes refused: the state would hold {@code chars} characters, over {@code maxChars}. */
    public static StateLimitException overChars(long chars, long maxChars) {
        return new StateLimitException("session state would hold " + chars + " characters, over its limit of "
                + maxChars);
    }

    /** Throws if state of {@code keys} keys and {@code chars} characters would be over its limits. */
    public static void check(long keys, long chars, long maxKeys, long maxChars) {
        if (keys > maxKeys) {
            throw overKeys(keys, maxKeys);
        }
        if (chars > maxChars) {
            throw overChars(chars, maxChars);
        }
    }
}

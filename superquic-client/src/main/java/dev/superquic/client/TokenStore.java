package dev.superquic.client;

import java.io.IOException;
import java.util.Optional;

/**
 * Keeps the resume token between client processes, and, where it can, how far each channel got
 * ({@link #savePosition}), so that a restarted client goes on with its channels where it stopped.
 */
public interface TokenStore {

    /** The saved token, if any. */
    Optional<String> load() throws IOException;

    /** Saves the latest token. */
    void save(String token) throws IOException;

    /**
     * The last message of the server's on {@code channel} of session {@code sessionId} that the
     * application took, as saved; empty if none was saved (the default: this store keeps none).
     */
    default java.util.OptionalLong loadPosition(String sessionId, String channel) throws IOException {
        return java.util.OptionalLong.empty();
    }

    /**
     * Saves how far the application took the server's messages on a channel. The client calls it
     * before it acknowledges them: the server then forgets them. The default keeps nothing.
     */
    default void savePosition(String sessionId, String channel, long sequence) throws IOException {
    }

    /** A store that keeps nothing. */
    static TokenStore none() {
        return new TokenStore() {
            @Override
            public Optional<String> load() {
                return Optional.empty();
            }

            @Override
            public void save(String token) {
            }
        };
    }
}

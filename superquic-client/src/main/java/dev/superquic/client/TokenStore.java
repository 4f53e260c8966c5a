package dev.superquic.client;

import java.io.IOException;
import java.util.Optional;

/** Keeps the resume token between client processes. */
public interface TokenStore {

    /** The saved token, if any. */
    Optional<String> load() throws IOException;

    /** Saves the latest token. */
    void save(String token) throws IOException;

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

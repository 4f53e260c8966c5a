package dev.superquic.cli;

import dev.superquic.client.TokenStore;
import java.util.Optional;

/** Keeps the resume token in memory, for the resume scenario. */
final class MemoryTokens implements TokenStore {
    private volatile String token;

    @Override
    public Optional<String> load() {
        return Optional.ofNullable(token);
    }

    @Override
    public void save(String value) {
        token = value;
    }
}

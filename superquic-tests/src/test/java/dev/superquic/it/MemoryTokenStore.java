package dev.superquic.it;

import dev.superquic.client.TokenStore;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** A token store shared by clients within one test (stands in for the session file). */
final class MemoryTokenStore implements TokenStore {
    private final AtomicReference<String> token = new AtomicReference<>();

    MemoryTokenStore() {
    }

    MemoryTokenStore(String initial) {
        token.set(initial);
    }

    @Override
    public Optional<String> load() {
        return Optional.ofNullable(token.get());
    }

    @Override
    public void save(String value) {
        token.set(value);
    }
}

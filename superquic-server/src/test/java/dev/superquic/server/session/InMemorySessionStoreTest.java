package dev.superquic.server.session;

import java.time.Duration;

class InMemorySessionStoreTest extends SessionStoreContract {
    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        return new InMemorySessionStore(ttl, maxKeys, maxChars);
    }
}

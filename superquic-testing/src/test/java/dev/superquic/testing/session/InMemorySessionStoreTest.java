package dev.superquic.testing.session;

import dev.superquic.server.session.InMemorySessionStore;
import dev.superquic.server.session.SessionStore;
import java.time.Duration;

class InMemorySessionStoreTest extends SessionStoreContract {
    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        return new InMemorySessionStore(ttl, maxKeys, maxChars);
    }

    /** The channel contract, against stores made as above. */
    @org.junit.jupiter.api.Nested
    class Channels extends ChannelLogContract {
        @Override
        protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
            return InMemorySessionStoreTest.this.newStore(ttl, maxKeys, maxChars);
        }
    }
}

package dev.superquic.server.session;

import java.time.Duration;

class InMemoryChannelLogTest extends ChannelLogContract {
    @Override
    protected SessionStore newStore(Duration ttl, int maxKeys, long maxChars) {
        return new InMemorySessionStore(ttl, maxKeys, maxChars);
    }
}

package dev.superquic.client;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the resume token and the channels' positions in memory: sessions of this process that
 * come and go (a new {@link ClientSession} after a close) resume the same session and go on with
 * its channels. A restarted process starts over; for that, use {@link FileTokenStore}.
 */
public final class MemoryTokenStore implements TokenStore {
    private volatile String token;
    private final Map<String, Long> positions = new ConcurrentHashMap<>();

    /** An empty store. */
    public MemoryTokenStore() {
    }

    /** A store that starts with {@code token}. */
    public MemoryTokenStore(String token) {
        this.token = token;
    }

    @Override
    public Optional<String> load() {
        return Optional.ofNullable(token);
    }

    @Override
    public void save(String value) {
        token = value;
    }

    @Override
    public OptionalLong loadPosition(String sessionId, String channel) {
        Long p = positions.get(sessionId + "/" + channel);
        return p == null ? OptionalLong.empty() : OptionalLong.of(p);
    }

    @Override
    public void savePosition(String sessionId, String channel, long sequence) {
        positions.put(sessionId + "/" + channel, sequence);
    }
}

package dev.superquic.server.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default store: sessions in this JVM's memory. They survive connection loss but not a
 * restart of the process. Expired sessions are swept by one daemon thread; for a while after
 * expiry a tombstone of the token hash remembers them, so a late resume is told "expired"
 * rather than "unknown".
 */
public final class InMemorySessionStore implements SessionStore, ChannelLog {
    private static final Logger log = LoggerFactory.getLogger(InMemorySessionStore.class);
    /** How long and how many expired tokens are remembered. */
    private static final long TOMBSTONE_NANOS = TimeUnit.HOURS.toNanos(24);
    private static final int MAX_TOMBSTONES = 100_000;

    private final Duration ttl;
    private final long ttlNanos;
    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final Map<String, Entry> byTokenHash = new ConcurrentHashMap<>();
    private final Map<String, Long> tombstones = new ConcurrentHashMap<>();
    private final List<Consumer<String>> expiryListeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.LongConsumer> messageExpiryListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService sweeper;

    /** Keys a session holds at most, unless the store is made with other limits. */
    public static final int DEFAULT_MAX_KEYS = 10_000;
    /** Characters of keys and values a session holds at most, unless the store is made with other limits. */
    public static final long DEFAULT_MAX_CHARS = 16L * 1024 * 1024;

    private final int maxKeys;
    private final long maxChars;

    /** A store whose detached sessions expire after {@code ttl}, with the default state limits. */
    public InMemorySessionStore(Duration ttl) {
        this(ttl, DEFAULT_MAX_KEYS, DEFAULT_MAX_CHARS);
    }

    /**
     * A store whose detached sessions expire after {@code ttl} and whose sessions each hold at
     * most {@code maxKeys} keys and {@code maxChars} characters of keys and values together.
     */
    public InMemorySessionStore(Duration ttl, int maxKeys, long maxChars) {
        SessionStore.checkSettings(ttl, maxKeys, maxChars);
        this.maxKeys = maxKeys;
        this.maxChars = maxChars;
        this.ttl = ttl;
        this.ttlNanos = ttl.toNanos();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "superquic-session-sweeper");
            t.setDaemon(true);
            return t;
        });
        long periodMillis = Math.clamp(ttl.toMillis() / 4, 10, 1000);
        sweeper.scheduleWithFixedDelay(this::sweep, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public NewSession create(String owner) {
        String token = ResumeTokens.newToken();
        Entry e = new Entry(ResumeTokens.newSessionId(), ResumeTokens.hash(token), owner);
        byId.put(e.id, e);
        byTokenHash.put(ResumeTokens.hashHex(token), e);
        return new NewSession(e.id, token, e.generation);
    }

    @Override
    public AttachResult attach(String token, String owner) {
        byte[] hash = ResumeTokens.hash(token);
        String hashHex = java.util.HexFormat.of().formatHex(hash);
        Entry e = byTokenHash.get(hashHex);
        if (e == null || !ResumeTokens.hashesEqual(e.tokenHash, hash)) {
            return AttachResult.notFound(tombstones.containsKey(hashHex)
                    ? AttachResult.Status.EXPIRED : AttachResult.Status.UNKNOWN);
        }
        synchronized (e) {
            if (e.expired || (e.owner == null && System.nanoTime() - e.detachedAt >= ttlNanos)) {
                expire(e);
                return AttachResult.notFound(AttachResult.Status.EXPIRED);
            }
            String previous = e.owner;
            e.owner = owner;
            e.generation++;
            return new AttachResult(AttachResult.Status.ATTACHED, e.id, e.generation, previous);
        }
    }

    @Override
    public boolean detach(String sessionId, long generation) {
        Entry e = byId.get(sessionId);
        if (e == null) {
            return false;
        }
        synchronized (e) {
            if (e.generation == generation && e.owner != null) {
                e.owner = null;
                e.detachedAt = System.nanoTime();
                return true;
            }
            return false;
        }
    }

    @Override
    public Optional<String> get(String sessionId, String key) {
        return Optional.ofNullable(live(sessionId).state.get(key));
    }

    @Override
    public void put(String sessionId, long generation, String key, String value) {
        Entry e = live(sessionId);
        synchronized (e.state) {
            fence(e, generation);
            String old = e.state.get(key);
            long chars = e.chars - (old == null ? 0 : key.length() + old.length()) + key.length() + value.length();
            if (old == null && e.state.size() >= maxKeys) {
                throw StateLimitException.atKeyLimit(maxKeys);
            }
            if (chars > maxChars) {
                throw StateLimitException.overChars(chars, maxChars);
            }
            e.state.put(key, value);
            e.chars = chars;
        }
    }

    @Override
    public boolean delete(String sessionId, long generation, String key) {
        Entry e = live(sessionId);
        synchronized (e.state) {
            fence(e, generation);
            String old = e.state.remove(key);
            if (old != null) {
                e.chars -= key.length() + old.length();
            }
            return old != null;
        }
    }

    @Override
    public Map<String, String> entries(String sessionId) {
        return Collections.unmodifiableMap(new TreeMap<>(live(sessionId).state));
    }

    @Override
    public SessionCounts counts() {
        long attached = 0;
        long detached = 0;
        for (Entry e : byId.values()) {
            if (e.owner != null) {
                attached++;
            } else {
                detached++;
            }
        }
        return new SessionCounts(attached, detached);
    }

    @Override
    public long sessionCount() {
        return byId.size();
    }

    @Override
    public void onExpired(Consumer<String> listener) {
        expiryListeners.add(listener);
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    @Override
    public Optional<ChannelLog> channelLog() {
        return Optional.of(this);
    }

    @Override
    public ChannelPosition position(String sessionId, String channel) {
        Entry e = live(sessionId);
        synchronized (e.state) {
            MemoryChannel c = e.channels.get(channel);
            return c == null ? ChannelPosition.NONE : c.position();
        }
    }

    @Override
    public long append(String sessionId, String channel, byte[] message, ChannelLimits limits)
            throws dev.superquic.channel.ChannelFullException {
        Entry e = live(sessionId);
        synchronized (e.state) {
            MemoryChannel c = e.channels.computeIfAbsent(channel, k -> new MemoryChannel());
            checkRoom(c, sessionId, channel, 1, message.length, limits);
            return c.add(message);
        }
    }

    @Override
    public List<dev.superquic.channel.ChannelMessage> after(String sessionId, String channel, long sequence, int max) {
        Entry e = live(sessionId);
        synchronized (e.state) {
            MemoryChannel c = e.channels.get(channel);
            if (c == null || sequence >= c.last) {
                return List.of();
            }
            List<dev.superquic.channel.ChannelMessage> out = new ArrayList<>(Math.min(max, c.kept.size()));
            for (var m : c.kept) {
                if (m.sequence() > sequence) {
                    out.add(m);
                    if (out.size() == max) {
                        break;
                    }
                }
            }
            return out;
        }
    }

    @Override
    public void acknowledge(String sessionId, String channel, long sequence) {
        Entry e = live(sessionId);
        synchronized (e.state) {
            MemoryChannel c = e.channels.get(channel);
            if (c == null) {
                return;
            }
            while (!c.kept.isEmpty() && c.kept.peekFirst().sequence() <= sequence) {
                c.bytes -= c.kept.removeFirst().payload().length;
            }
            c.acknowledged = Math.max(c.acknowledged, Math.min(sequence, c.last));
        }
    }

    @Override
    public long delivered(String sessionId, long generation, String channel, Commit commit, ChannelLimits limits)
            throws dev.superquic.channel.ChannelFullException {
        Entry e = live(sessionId);
        synchronized (e.state) {
            fence(e, generation);
            MemoryChannel c = e.channels.computeIfAbsent(channel, k -> new MemoryChannel());
            checkRoom(c, sessionId, channel, commit.replies().size(), commit.replyBytes(), limits);
            if (!commit.stateChanges().isEmpty()) {
                applyAll(e, commit.stateChanges());
            }
            long lastReply = 0;
            for (byte[] reply : commit.replies()) {
                lastReply = c.add(reply);
            }
            c.delivered = Math.max(c.delivered, commit.sequence());
            return lastReply;
        }
    }

    @Override
    public void advanceDelivered(String sessionId, String channel, long sequence) {
        Entry e = live(sessionId);
        synchronized (e.state) {
            MemoryChannel c = e.channels.computeIfAbsent(channel, k -> new MemoryChannel());
            c.delivered = Math.max(c.delivered, sequence);
        }
    }

    /** Throws if {@code messages} more of {@code bytes} together do not fit the channel's bounds. */
    private static void checkRoom(MemoryChannel c, String sessionId, String channel, int messages, long bytes,
                                  ChannelLimits limits) throws dev.superquic.channel.ChannelFullException {
        if (c.kept.size() + messages > limits.maxMessages() || c.bytes + bytes > limits.maxBytes()) {
            throw new dev.superquic.channel.ChannelFullException("channel '" + channel + "' of session " + sessionId
                    + " holds " + c.kept.size() + " unacknowledged messages (" + c.bytes + " bytes); its bound is "
                    + limits.maxMessages() + " messages, " + limits.maxBytes() + " bytes");
        }
    }

    /** Applies state changes all or nothing; caller holds {@code e.state}'s monitor. */
    private void applyAll(Entry e, Map<String, String> changes) {
        long chars = e.chars;
        int keys = e.state.size();
        for (Map.Entry<String, String> change : changes.entrySet()) {
            String old = e.state.get(change.getKey());
            if (old != null) {
                chars -= change.getKey().length() + old.length();
                keys--;
            }
            if (change.getValue() != null) {
                chars += change.getKey().length() + change.getValue().length();
                keys++;
            }
        }
        StateLimitException.check(keys, chars, maxKeys, maxChars);
        for (Map.Entry<String, String> change : changes.entrySet()) {
            if (change.getValue() == null) {
                e.state.remove(change.getKey());
            } else {
                e.state.put(change.getKey(), change.getValue());
            }
        }
        e.chars = chars;
    }

    @Override
    public void onMessagesExpired(java.util.function.LongConsumer listener) {
        messageExpiryListeners.add(listener);
    }

    private Entry live(String sessionId) {
        Entry e = byId.get(sessionId);
        if (e == null || e.expired) {
            throw new SessionGoneException(sessionId);
        }
        return e;
    }

    /** A write of an owner that another attach has replaced since changes nothing. */
    private static void fence(Entry e, long generation) {
        if (e.generation != generation) {
            throw new SessionFencedException(e.id, generation);
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            List<Entry> due = new ArrayList<>();
            for (Entry e : byId.values()) {
                synchronized (e) {
                    if (e.owner == null && now - e.detachedAt >= ttlNanos) {
                        due.add(e);
                    }
                }
            }
            for (Entry e : due) {
                synchronized (e) {
                    if (e.owner == null && !e.expired) {
                        expire(e);
                    }
                }
            }
            tombstones.values().removeIf(at -> now - at > TOMBSTONE_NANOS);
            int excess = tombstones.size() - MAX_TOMBSTONES;
            if (excess > 0) {
                // Forget the oldest first: their clients are the least likely to come back.
                tombstones.entrySet().stream().sorted(Map.Entry.comparingByValue()).limit(excess)
                        .map(Map.Entry::getKey).toList().forEach(tombstones::remove);
            }
        } catch (RuntimeException ex) {
            log.error("session sweep failed", ex);
        }
    }

    /** Caller holds the entry's monitor. */
    private void expire(Entry e) {
        if (e.expired) {
            return;
        }
        e.expired = true;
        byId.remove(e.id);
        String hashHex = java.util.HexFormat.of().formatHex(e.tokenHash);
        byTokenHash.remove(hashHex);
        tombstones.put(hashHex, System.nanoTime());
        long dropped;
        synchronized (e.state) {
            e.state.clear();
            dropped = e.channels.values().stream().mapToLong(c -> c.kept.size()).sum();
            e.channels.clear();
        }
        if (dropped > 0) {
            for (java.util.function.LongConsumer l : messageExpiryListeners) {
                l.accept(dropped);
            }
        }
        for (Consumer<String> l : expiryListeners) {
            try {
                l.accept(e.id);
            } catch (RuntimeException ex) {
                log.warn("session expiry listener failed", ex);
            }
        }
    }

    /** One session. Mutable fields are guarded by the entry's monitor (held for field updates only). */
    private static final class Entry {
        final String id;
        final byte[] tokenHash;
        final Map<String, String> state = new ConcurrentHashMap<>();
        /** Characters of the state's keys and values; guarded by {@code state}'s monitor. */
        long chars;
        /** Channels by name; guarded by {@code state}'s monitor. */
        final Map<String, MemoryChannel> channels = new java.util.HashMap<>();
        volatile String owner;
        volatile long generation = 1;
        long detachedAt;
        boolean expired;

        Entry(String id, byte[] tokenHash, String owner) {
            this.id = id;
            this.tokenHash = tokenHash;
            this.owner = owner;
        }
    }

    /** A channel of a session; guarded by its session's {@code state} monitor. */
    private static final class MemoryChannel {
        final java.util.ArrayDeque<dev.superquic.channel.ChannelMessage> kept = new java.util.ArrayDeque<>();
        long bytes;
        long delivered;
        long acknowledged;
        long last;

        ChannelPosition position() {
            return new ChannelPosition(delivered, acknowledged, last);
        }

        /** Appends a message; returns its sequence. */
        long add(byte[] message) {
            last++;
            kept.addLast(new dev.superquic.channel.ChannelMessage(last, message.clone()));
            bytes += message.length;
            return last;
        }
    }
}
